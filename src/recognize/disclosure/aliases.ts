/**
 * Header aliases → columns: the first alias (in list order) that matches a
 * key (a compact cell text) wins; a text alias matches that very text, a
 * RegExp alias what it tests true on. Text aliases are found in a map rather
 * than by a scan of the list, since every cell of every candidate header row
 * is looked up.
 */
export class AliasTable<T> {
  private readonly texts = new Map<string, { order: number; value: T }>();
  private readonly patterns: { order: number; pattern: RegExp; value: T }[] = [];
  /** A key longer than every text alias is no text alias: long cells (descriptions, goals) are not hashed for the map. */
  private readonly longestText: number = 0;

  constructor(aliases: ReadonlyArray<readonly [alias: string | RegExp, value: T]>) {
    aliases.forEach(([alias, value], order) => {
      if (typeof alias !== 'string') this.patterns.push({ order, pattern: alias, value });
      else if (!this.texts.has(alias)) this.texts.set(alias, { order, value });
    });
    for (const text of this.texts.keys()) this.longestText = Math.max(this.longestText, text.length);
  }

  lookup(key: string): T | undefined {
    if (key === '') return undefined;
    const text = key.length <= this.longestText ? this.texts.get(key) : undefined;
    // a pattern listed before the matching text alias still comes first
    for (const { order, pattern, value } of this.patterns) {
      if (text !== undefined && order > text.order) break;
      if (pattern.test(key)) return value;
    }
    return text?.value;
  }
}
