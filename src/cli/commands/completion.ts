// `peersync completion bash|zsh`: print a completion script for the shell, generated from the
// commander program (cli/completion.ts), so it always knows every command and option of this
// version. Exit 0.

import { completionScript, type Shell } from "../completion.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";
import { programForCompletion } from "../program.js";

export const run: Command = async (ctx, args) => {
  // commander has checked the argument against the choices (bash, zsh).
  ctx.out(completionScript(args[0] as Shell, programForCompletion()).trimEnd());
  return ExitCode.OK;
};
