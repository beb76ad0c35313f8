export { ClaimTable, CLAIM, claimsFor, runsWindowsInstaller, type Claim, type ClaimHints } from './claims.js';
export { OverallProgress } from './progress.js';
export {
  runSchedule,
  untilAborted,
  type GraphNode,
  type NodeOutcome,
  type ScheduleOptions,
  type ScheduleResult,
} from './schedule.js';
