/**
 * Where exports may write, checked on the resolved config before any work starts. An export writes
 * `<folder>/<name>.<ext>`, `<folder>/<name>.manifest.json` and `<folder>/runs/<run>/…` (and retention
 * deletes old `runs/` folders), so a folder shared with the warehouse or with the sources' files could
 * overwrite or delete data the refresh depends on. Paths are compared as written (resolved, not through
 * symbolic links; export-paths.ts refuses links inside export folders at write time).
 */
import path from 'node:path';

interface PathsToCheck {
  readonly warehouse: string;
  readonly sources: readonly { readonly name: string; readonly path: string }[];
  readonly exports: readonly { readonly name: string; readonly path: string; readonly format: string }[];
}

export interface PathProblem {
  readonly key: string;
  readonly message: string;
}

/** `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export function exportPathProblems(config: PathsToCheck): PathProblem[] {
  const problems: PathProblem[] = [];
  config.exports.forEach((exportConfig, index) => {
    const key = `exports[${index}].path`;
    const folder = exportConfig.path;
    if (within(folder, config.warehouse) || within(config.warehouse, folder)) {
      problems.push({ key, message: `${folder} overlaps the warehouse folder ${config.warehouse}; give the export a folder of its own` });
      return;
    }
    const written = new Set([`${exportConfig.name}.${exportConfig.format}`, `${exportConfig.name}.manifest.json`].map((name) => path.join(folder, name)));
    config.sources.forEach((source, sourceIndex) => {
      if (written.has(source.path) || within(source.path, path.join(folder, 'runs'))) {
        problems.push({ key, message: `the export would overwrite or delete sources[${sourceIndex}] ("${source.name}", ${source.path}); give the export a folder of its own` });
      }
    });
  });
  return problems;
}
