/** `spec`: exactly one SPEC message. */
import { loadSpec } from "../../spec/index.js";
import { specMessage } from "../messages.js";
import type { CommandContext } from "./context.js";

export async function specCommand(ctx: CommandContext): Promise<number> {
  await ctx.out.write(specMessage(loadSpec()));
  return 0;
}
