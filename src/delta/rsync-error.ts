// librsync result codes → RsyncError, with the one message style and a hint per cause.
import { RsyncError } from "../errors.js";
import { rsyncAddon } from "./binding.js";

export interface JobContext {
  readonly op: "signature" | "delta" | "patch";
  /** ` "<file>"` or "" when the caller gave no name. */
  readonly label: string;
  /** What the job reads and so what can be damaged: "basis", "signature", "new file", "delta". */
  readonly input: string;
  readonly outputSize: number;
  readonly recycleOutput: boolean;
}

/** librsync's rs_result values from RS_IO_ERROR up (librsync.h); these names are stable codes. */
export const RS_CODES: Readonly<Record<number, string>> = {
  100: "RS_IO_ERROR",
  101: "RS_SYNTAX_ERROR",
  102: "RS_MEM_ERROR",
  103: "RS_INPUT_ENDED",
  104: "RS_BAD_MAGIC",
  105: "RS_UNIMPLEMENTED",
  106: "RS_CORRUPT",
  107: "RS_INTERNAL_ERROR",
  108: "RS_PARAM_ERROR",
};

export function rsCodeName(result: number): string {
  return RS_CODES[result] ?? `RS_UNKNOWN_${result}`;
}

/** `Cannot patch "a.txt": delta is corrupt (RS_CORRUPT)`, librsync's own words as the cause. */
export function rsyncError(ctx: JobContext, result: number, detail: string): RsyncError {
  const code = rsCodeName(result);
  const message = `Cannot ${action(ctx)}: ${state(ctx.input, code, result)} (${code})`;
  return new RsyncError(code, message, {
    hint: hint(ctx, code),
    ...(detail === "" ? {} : { cause: new Error(detail.trim()) }),
  });
}

function action(ctx: JobContext): string {
  if (ctx.op === "patch") return `patch${ctx.label}`;
  return ctx.label === "" ? `compute ${ctx.op}` : `compute ${ctx.op} of${ctx.label}`;
}

function state(input: string, code: string, result: number): string {
  switch (code) {
    case "RS_BAD_MAGIC": return `${input} does not start with a librsync ${input} magic number`;
    case "RS_CORRUPT": return `${input} is corrupt`;
    case "RS_INPUT_ENDED": return `${input} is truncated`;
    case "RS_IO_ERROR": return "cannot read the basis";
    case "RS_MEM_ERROR": return "out of memory";
    default: return rsyncAddon().strerror(result);
  }
}

function hint(ctx: JobContext, code: string): string {
  const damaged = code === "RS_BAD_MAGIC" || code === "RS_CORRUPT" || code === "RS_INPUT_ENDED";
  if (damaged && ctx.input === "delta") {
    return "the delta was damaged in transit or made for another basis: ask for a new delta or send the whole file";
  }
  if (damaged) return `the ${ctx.input} was damaged in transit: ask for a new one`;
  if (code === "RS_MEM_ERROR") return "free memory or lower the number of concurrent transfers";
  if (code === "RS_IO_ERROR") return "check that the basis file is readable and was not truncated meanwhile";
  return "this is likely a peersync bug: please report it with the log";
}
