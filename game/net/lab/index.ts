/**
 * The net lab: a whole match of bots over seeded simulated links in simulated time, measured against the
 * server's ground truth. For tuning netcode and for the tests and benchmarks that hold it to its goals.
 */

export { Distribution } from './distribution.js';
export { averageBurstLoss, describeConditions, directions, type LabConditions } from './lab-conditions.js';
export { type LabOptions, type LabReport, runNetLab } from './net-lab.js';
