// Quoting for the command lines the reports print (reproduce lines): a word
// that a POSIX shell would read as is stays bare, anything else is single-quoted.
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
