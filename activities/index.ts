export { createActivities, type ActivityDeps, type RefreshActivities } from './create-activities.js';
export * from './types.js';
