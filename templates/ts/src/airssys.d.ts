// Types of the airssys:core@1.0.0 host interfaces as componentize-js exposes
// them (wit/core.wit is the contract). Results are plain values; a
// `component-error` is thrown as `{ tag, val }`.

declare module "airssys:core/logging@1.0.0" {
  export type Level = "trace" | "debug" | "info" | "warn" | "error";
  /** Writes `message` at `level` to the host's log. Always granted. */
  export function log(level: Level, message: string): void;
}

declare module "airssys:core/key-value@1.0.0" {
  /** Needs `[permissions.storage] key_value = true`. */
  export function get(key: string): Uint8Array | undefined;
  export function set(key: string, value: Uint8Array): void;
  function remove(key: string): void;
  export { remove as delete };
  export function listKeys(prefix: string): string[];
}

declare module "airssys:core/messaging@1.0.0" {
  /** Needs the target in `[permissions.messaging] targets`. */
  export function call(
    target: string,
    data: Uint8Array,
    metadata: Array<[string, string]>,
  ): Uint8Array;
}
