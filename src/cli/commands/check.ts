// Stub: "check" is not written yet, so it says so (exit 1) instead of pretending to work. Its
// owner replaces this file; cli/program.ts lists the command as not implemented until then.
import { NotImplementedError } from "../../errors.js";
import type { Command } from "../context.js";

export const run: Command = async () => {
  throw new NotImplementedError("check");
};
