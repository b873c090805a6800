// {{name}}: {{description}}
//
// An airssys component in TypeScript that reverses its UTF-8 input: `tsc`
// compiles it to target/ts/app.js, which componentize-js builds into a
// component of the `airssys:core/component` world (wit/core.wit).

import { log } from "airssys:core/logging@1.0.0";

type Metadata = Array<[string, string]>;

interface ComponentInput {
  data: Uint8Array;
  metadata: Metadata;
  context: { requestId: string; component: string; version: string; deadlineMs: bigint };
}

interface ComponentOutput {
  data: Uint8Array;
  metadata: Metadata;
}

type ComponentError = {
  tag: "invalid-input" | "permission-denied" | "not-found" | "internal";
  val: string;
};

const DEFAULT_GREETING = "hello";
let greeting = DEFAULT_GREETING;

// componentize-js turns a thrown `{ tag, val }` into the `component-error` result.
function invalidInput(message: string): ComponentError {
  return { tag: "invalid-input", val: message };
}

export const lifecycle = {
  init(config: Metadata): void {
    greeting = DEFAULT_GREETING;
    for (const [key, value] of config) {
      if (key !== "greeting") {
        throw invalidInput(`unknown config key \`${key}\` (expected \`greeting\`)`);
      }
      if (value === "") {
        throw invalidInput("`greeting` must not be empty");
      }
      greeting = value;
    }
    log("debug", `initialised, greeting ${JSON.stringify(greeting)}`);
  },

  execute(input: ComponentInput): ComponentOutput {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input.data);
    } catch {
      throw invalidInput("input is not valid UTF-8");
    }
    if (text === "") {
      throw invalidInput("empty input");
    }
    // Spread by code point, so multi-byte characters stay intact.
    const reversed = [...text].reverse().join("");
    const length = [...reversed].length;
    const requestId = input.context.requestId;
    log("debug", `request ${requestId}: reversed ${length} chars`);
    return {
      data: new TextEncoder().encode(reversed),
      metadata: [
        ["length", String(length)],
        ["request-id", requestId],
        ["greeting", greeting],
      ],
    };
  },

  shutdown(): void {
    log("debug", "shutting down");
  },

  describe(): { name: string; version: string; description: string } {
    return { name: "{{name}}", version: "0.1.0", description: "{{description}}" };
  },

  health(): "healthy" | "degraded" | "unhealthy" {
    return "healthy";
  },
};
