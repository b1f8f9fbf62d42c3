// Copies non-TypeScript assets that the compiled code loads at run time (SQL schema files)
// from src/ into dist/src/, keeping their relative paths.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ASSET_EXTENSIONS = [".sql"];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}

for (const file of walk("src")) {
  if (!ASSET_EXTENSIONS.some((ext) => file.endsWith(ext))) continue;
  const target = join("dist", file);
  if (!existsSync(dirname(target))) mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}
console.log(`copy-assets: copied ${ASSET_EXTENSIONS.join(",")} files into dist/ (from ${relative(".", "src")})`);
