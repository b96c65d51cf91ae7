import { globalTeardown } from './synth-once';

/** jest globalTeardown of the cdk project: removes the run's synthesised stack. */
export default globalTeardown;
