export {
  DEFAULT_PREFIXES,
  delimitedOptions,
  FILE_FORMATS,
  type FileFormat,
  type FileRule,
  type FileRuleInput,
  FileRuleSchema,
  globToRegExp,
  isLineFormat,
  type RuleColumn,
  ruleProblems,
  type WriteMode,
} from "./file-rule";
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
