/** Segment rules (design §5): text and structured forms → checked RuleAst → `{ sql, params }`. */
export { COMPARE_OPS, EMPTY_OPS, LIST_OPS, isValidDate, literalSchema, ruleAstSchema } from './ast.js';
export type { AttributeNode, CompareOp, DateLiteral, EmptyOp, ListOp, Literal, RuleAst } from './ast.js';
export { compileRule } from './compiler.js';
export type { CompiledRule, CompileOptions, RuleParams } from './compiler.js';
export { BUILT_IN_FIELDS } from './names.js';
export type { RuleContext } from './names.js';
export { parseRule } from './parser.js';
export { RulePathError, checkRule, ruleFromConfig } from './structured.js';
