// Logical paths: csync2's file names, either absolute (`/etc/hosts`) or prefix-encoded
// (`%www%/index.html`). This is the one gate every path from a peer, the command line or the
// index passes before use: normalised, no NUL, no `.` or `..` segments, no empty segments, and
// bounded in length, so that mapping it onto a root can never climb out of it.

declare const logicalPathBrand: unique symbol;
/** A validated logical path. Only toLogicalPath() makes one. */
export type LogicalPath = string & { readonly [logicalPathBrand]: true };

/** Longest path accepted (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest single component accepted (Linux NAME_MAX). */
export const MAX_NAME_BYTES = 255;

const PREFIX_HEAD = /^%([A-Za-z0-9_.-]+)%(\/|$)/;

export class PathError extends Error {
  readonly code = "BAD_PATH";
  constructor(message: string) {
    super(message);
    this.name = "PathError";
  }
}

/** Validates `text` as a logical path, or throws PathError naming what is wrong. */
export function toLogicalPath(text: string): LogicalPath {
  const problem = logicalPathProblem(text);
  if (problem !== undefined) throw new PathError(`Cannot use path ${JSON.stringify(text)}: ${problem}`);
  return text as LogicalPath;
}

/** The reason `text` is not a valid logical path, or undefined when it is one. */
export function logicalPathProblem(text: string): string | undefined {
  if (typeof text !== "string") return "not a string";
  if (text.length === 0) return "it is empty";
  if (text.includes("\0")) return "it contains a NUL byte";
  if (Buffer.byteLength(text) > MAX_PATH_BYTES) return `it is longer than ${MAX_PATH_BYTES} bytes`;
  const head = PREFIX_HEAD.exec(text);
  if (!head && !text.startsWith("/")) return "it must be absolute or start with %prefix%";
  const rest = head ? text.slice(head[0].length) : text.slice(1);
  if (rest === "") return undefined;
  if (rest.endsWith("/")) return "it must not end with /";
  for (const segment of rest.split("/")) {
    if (segment === "") return "it contains an empty segment (//)";
    if (segment === "." || segment === "..") return `it contains a "${segment}" segment`;
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) return `a segment is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
}

/** The prefix name of a prefix-encoded path (`%www%/x` → "www"), else undefined. */
export function prefixOf(path: LogicalPath): string | undefined {
  return PREFIX_HEAD.exec(path)?.[1];
}

/** The parent logical path, or undefined for a root (`/` or `%name%`). */
export function parentOf(path: LogicalPath): LogicalPath | undefined {
  if (path === "/" || (PREFIX_HEAD.test(path) && !path.includes("/"))) return undefined;
  const cut = path.lastIndexOf("/");
  if (cut === 0) return "/" as LogicalPath;
  return path.slice(0, cut) as LogicalPath;
}

/** The last segment of a path. */
export function baseName(path: LogicalPath): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins a validated parent and one child name; throws PathError for a bad name. */
export function childOf(parent: LogicalPath, name: string): LogicalPath {
  return toLogicalPath(parent === "/" ? `/${name}` : `${parent}/${name}`);
}

/** A path a command names: that path alone, or with recursive its subtree too. */
export interface PathFilter {
  readonly path: string;
  readonly recursive: boolean;
}

/** True when no filter is given or one of them takes `path`. */
export function passesFilters(path: string, filters: readonly PathFilter[] | undefined): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some((f) => path === f.path || (f.recursive && isWithin(path as LogicalPath, f.path as LogicalPath)));
}

/** True when `path` is `ancestor` or lies below it. */
export function isWithin(path: LogicalPath, ancestor: LogicalPath): boolean {
  if (path === ancestor) return true;
  if (ancestor === "/") return path.startsWith("/");
  return path.startsWith(`${ancestor}/`);
}
