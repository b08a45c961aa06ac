/** Table names of a segment inside a run database. Indices come from the config, never from user text. */
export function segmentMembersTable(segmentIndex: number): string {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0) throw new Error('invalid segment index');
  return `seg_${segmentIndex}_members`;
}

export function segmentChangesTable(segmentIndex: number): string {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0) throw new Error('invalid segment index');
  return `seg_${segmentIndex}_changes`;
}
