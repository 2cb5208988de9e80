/** "1 file", "3 files": a count with its noun, plural when it is not one (nouns that take an "s"). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
