export {
  delimitedOptions,
  type FileFormat,
  type FileRule,
  type FileRuleInput,
  FileRuleSchema,
  isLineFormat,
  type RuleColumn,
  ruleProblems,
  type WriteMode,
} from "./file-rule";
export { globToRegExp } from "./key-glob";
export { DEFAULT_PREFIXES, FILE_FORMATS } from "./rule-fields";
export {
  createFileRulesRepository,
  DEFAULT_RULES_SCHEMA,
  type FileRulesRepository,
  fileRulesDdl,
  matchRule,
  type Queryable,
  type RuleMatch,
  type StoredRule,
} from "./rules-repository";
