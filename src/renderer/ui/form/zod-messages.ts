/** zod's messages in words a form shows after the field's label ("Epochs: must be at least 1"). */
export function humanize(message: string): string {
  return message
    .replace(/^Invalid input: expected number, received NaN$/, 'must be a number')
    .replace(/^Invalid input: expected number, received undefined$/, 'is required')
    .replace(/^Invalid input: expected int, received number$/, 'must be a whole number')
    .replace(/^Invalid input: expected (\w+), received (\w+)$/, 'must be a $1')
    .replace(/^Too small: expected number to be >(=?)(\S+)$/, (_m, eq: string, n: string) => `must be ${eq ? 'at least' : 'greater than'} ${n}`)
    .replace(/^Too big: expected number to be <(=?)(\S+)$/, (_m, eq: string, n: string) => `must be ${eq ? 'at most' : 'less than'} ${n}`)
    .replace(/^Too big: expected string to have <=(\d+) characters$/, 'must be at most $1 characters')
    .replace(/^Too small: expected string to have >=1 characters$/, 'is required')
    .replace(/^Invalid option: expected one of (.*)$/, (_m, opts: string) => `must be one of ${opts.replace(/\|/g, ', ')}`);
}
