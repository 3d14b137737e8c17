// Types of `factorgate/init` (copied to pkg/ as init.d.ts for require, init.d.mts for import).
// The source types are structural, so that projects without the DOM lib or @types/node check too.
import type { Factorgate } from './index.js';

export type * from './index.js';

/** The .wasm's bytes. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;
/** A compiled `WebAssembly.Module`. */
export type WasmModule = object;
/** A fetch `Response` for the .wasm (`application/wasm` lets it compile while streaming). */
export interface WasmResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** Where the .wasm comes from: bytes, a compiled module, a fetch Response, or a URL to fetch. */
export type WasmSource = WasmBytes | WasmModule | WasmResponse | { readonly href: string } | string;

/**
 * Compiles the decision module (factorgate_bg.wasm) from `source` and the policy module
 * (factorgate_policy_bg.wasm) from `policySource`, and resolves to the API. Without `policySource`
 * only the default policy compiles: any other policy, validatePolicy, reviewExceptions and diffDecisions answer an
 * `engineFailure` error. Each call gives an independent runtime. Rejects (once, at start-up) when a
 * source cannot be loaded or compiled; the API's calls themselves never throw.
 */
export function init(
  source: WasmSource | PromiseLike<WasmSource>,
  policySource?: WasmSource | PromiseLike<WasmSource>,
): Promise<Factorgate>;

/** Synchronous variant for bytes or a WebAssembly.Module (browsers: bytes only off the main thread). */
export function initSync(source: WasmBytes | WasmModule, policySource?: WasmBytes | WasmModule): Factorgate;
