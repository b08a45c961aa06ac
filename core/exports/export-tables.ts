/** Table names of an export inside a run database (indices come from the config). */
function checkIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0) throw new Error('invalid export index');
  return index;
}
export const exportMembersTable = (exportIndex: number) => `exp_${checkIndex(exportIndex)}_members`;
export const exportChangesTable = (exportIndex: number) => `exp_${checkIndex(exportIndex)}_changes`;
export const exportRowsTable = (exportIndex: number, kind: 'full' | 'added' | 'removed') => `exp_${checkIndex(exportIndex)}_rows_${kind}`;
