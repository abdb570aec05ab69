/** The agent for service managers (agent/agent.ts), its metrics and HTTP endpoint. */
export { Agent } from './agent';
export type { AgentOptions } from './agent';
export { DataplaneMetrics } from './metrics';
export type { MetricsSource } from './metrics';
export { parseListen, serveMetrics } from './http';
export { sdNotify } from './notify';
