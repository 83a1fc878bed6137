// Lints what prettier and tsc cannot see: regular expressions. A pattern that backtracks super-linearly
// on client text blocks the event loop for every request (issue 11); these rules refuse such a pattern
// before it is merged. The parser is typescript-eslint's; the rules are eslint-plugin-regexp's recommended
// set (with the core regex rules it turns on), and nothing else.
import regexp from 'eslint-plugin-regexp'
import tseslint from 'typescript-eslint'

export default [
  { ignores: ['dist/'] },
  {
    ...regexp.configs['flat/recommended'],
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      ...regexp.configs['flat/recommended'].rules,
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
]
