// `factorgate/testing` for import (testing.d.ts: for require): the internal testing handle of
// the Node runtime. Not part of the public API and not covered by semver; pkg-tests use it to prove trap recovery (docs/contract.md#failure).
import type { Engine, Decision, ErrorResult, CallOptions } from './index.mjs';

export interface Testing {
  /** The next `count` calls into wasm first execute a real wasm `unreachable` trap. */
  injectTraps(count?: number): void;
  /** Executes a trap right now, outside any API call; true once the instance has been replaced. */
  trapNow(): boolean;
  /** 1 for the first instance, +1 for every instance that replaced a trapped one. */
  generation(): number;
  /** How many calls into wasm threw. */
  failures(): number;
  /** The last exception caught from wasm, or null. */
  lastFailure(): unknown;
  /** Bytes of linear memory of the live instance. */
  memoryBytes(): number;
  /** Grows the live instance's memory to its maximum, so that the engine's next allocation beyond what it holds traps (a real out-of-memory); returns the bytes of memory now. */
  exhaustMemory(): number;
  /** Finalizers of retired instances' objects that ran and did nothing. */
  suppressedFinalizers(): number;
  /** The JSON text of a decision call's answer (with `failMode`, of its fail mode's) as the engine's `*_json` twins write it: what the result record the shim reads stands for (docs/architecture.md#the-result-record). */
  answerJson(engine: Engine, entry: 'login' | 'factorChange' | 'action', request: unknown, options?: CallOptions, failMode?: boolean): string | ErrorResult;
  /** Forgets the names the live instance's result records defined, as a lost record would: the next decision is an engineFailure error (never a wrong object) and the instance is replaced. */
  forgetNames(): void;
  /** The fail-mode decision the engine answers with after a trap, computed directly. */
  failMode(engine: Engine, entry: 'login' | 'factorChange', request: unknown, options?: CallOptions): Decision | ErrorResult;
}

declare const testing: Testing;
export default testing;
export declare const injectTraps: Testing['injectTraps'];
export declare const trapNow: Testing['trapNow'];
export declare const generation: Testing['generation'];
export declare const failures: Testing['failures'];
export declare const lastFailure: Testing['lastFailure'];
export declare const memoryBytes: Testing['memoryBytes'];
export declare const exhaustMemory: Testing['exhaustMemory'];
export declare const suppressedFinalizers: Testing['suppressedFinalizers'];
export declare const failMode: Testing['failMode'];
export declare const answerJson: Testing['answerJson'];
export declare const forgetNames: Testing['forgetNames'];
