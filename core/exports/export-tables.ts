/** Table names of an export inside a run database (indices come from the config). */
function checkIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0) throw new Error('invalid export index');
  return index;
}
export const exportMembersTable = (exportIndex: number) => `exp_${checkIndex(exportIndex)}_members`;
export const exportChangesTable = (exportIndex: number) => `exp_${checkIndex(exportIndex)}_changes`;
/** Members that stay in the export but whose written email or phone changed since it was delivered (write-export.ts). */
export const exportContactChangedTable = (exportIndex: number) => `exp_${checkIndex(exportIndex)}_contact_changed`;
/** The rows written to an export's file of one kind: a table, or for added rows equal to the full ones a view over them (write-export.ts). */
export const exportRowsTable = (exportIndex: number, kind: 'full' | 'added' | 'removed') => `exp_${checkIndex(exportIndex)}_rows_${kind}`;
/** Run-wide tables of exports the config no longer has, carried from run to run (dormant-exports.ts). */
export const DORMANT_EXPORT_MEMBERS = 'dormant_export_members';
export const DORMANT_EXPORT_CUSTOMERS = 'dormant_export_customers';
