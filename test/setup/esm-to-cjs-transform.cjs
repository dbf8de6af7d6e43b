// Jest transform for the dependencies published as ES modules only (NestJS 12, jose 6,
// file-type ...). The compiled service is CommonJS and loads them with Node's require(esm)
// (Node 20.19+/22.12+); Jest's own CommonJS loader does not, except on Node 24.9+ behind
// --experimental-vm-modules. So under Jest, and only there, each file Node would load as an ES
// module (`.mjs`, or `.js` under a package.json with "type": "module") is compiled to CommonJS by
// the TypeScript compiler already installed; every other file passes through unchanged.
//
// `import.meta` has no CommonJS form. These packages use it mostly as
// `createRequire(import.meta.url)`, which is the module's own `require` in CommonJS (Jest's,
// with its registry and mocks): it becomes that, a `const require = ...` of it is dropped (it
// would redeclare the wrapper's parameter), and the few other uses become what they mean for
// the file at hand. `import()` becomes `require()` (TypeScript's CommonJS output does that), so an
// package loaded lazily resolves through Jest's registry like every other module.
//
// Jest also runs this transform on what its global setup and teardown require (through a require
// hook in its own process, where Node, not Jest, loads the modules). Node loads ES modules
// itself there, and would then run the CommonJS text as an ES module: so while NODE_LOADS_ESM is
// set on globalThis (test/setup/global-setup.mjs sets it for its run), files pass unchanged.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const ts = require('typescript');

const OWN_SOURCE = readFileSync(__filename);
const NODE_LOADS_ESM = Symbol.for('smartretail.jest.nodeLoadsEsm');
const scopeTypes = new Map();

/** "module" or "commonjs": the "type" of the nearest package.json, as Node decides it. */
function packageType(directory) {
  if (scopeTypes.has(directory)) return scopeTypes.get(directory);
  let type;
  try {
    type = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).type ?? 'commonjs';
  } catch {
    const parent = dirname(directory);
    type = parent === directory ? 'commonjs' : packageType(parent);
  }
  scopeTypes.set(directory, type);
  return type;
}

function isEsModule(filename) {
  if (globalThis[NODE_LOADS_ESM]) return false;
  if (filename.endsWith('.mjs')) return true;
  return filename.endsWith('.js') && packageType(dirname(filename)) === 'module';
}

function withoutImportMeta(source) {
  return source
    .replace(/\b(?:const|let|var) require = (?:\w+\.)?createRequire\(import\.meta\.url\);?/g, '')
    .replace(/\b(?:\w+\.)?createRequire\(import\.meta\.url\)/g, 'require')
    .replace(/\bimport\.meta\.url\b/g, 'require("node:url").pathToFileURL(__filename).href')
    .replace(/\bimport\.meta\.dirname\b/g, '__dirname')
    .replace(/\bimport\.meta\.filename\b/g, '__filename');
}

module.exports = {
  process(source, filename) {
    if (!isEsModule(filename)) return { code: source };
    const { outputText } = ts.transpileModule(withoutImportMeta(source), {
      fileName: filename.replace(/\.mjs$/, '.js'),
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        allowJs: true,
        sourceMap: false,
      },
    });
    return { code: outputText };
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(OWN_SOURCE)
      .update(ts.version)
      .update(filename)
      .update(String(isEsModule(filename)))
      .update(source)
      .digest('hex');
  },
};
