export { RefreshWorkflow, progressQuery, markManualSignal } from './refresh-workflow.js';
