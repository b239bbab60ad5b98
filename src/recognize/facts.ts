import type { SourceRef } from '../ir.js';
import { toFen } from '../normalize/amount.js';
import { compact } from '../normalize/label.js';

/**
 * Named figures stated in the narrative (情况说明): totals, "三公"经费,
 * 机关运行经费, the change against the previous year. Each with the
 * sentence it came from, so that a reader can check it and validation can
 * compare the text with the tables.
 */

export interface NarrativeFact {
  name: string;
  fen: bigint;
  unit: string;
  decimals: number;
  /** The number as written. */
  published: string;
  sentence: string;
  ref: SourceRef;
}

const AMOUNT = '(-?\\d[\\d,]*(?:\\.\\d+)?)(万元|元)';

/**
 * Each pattern runs on one sentence with whitespace removed (after NFKC),
 * when the sentence holds its keyword.
 * The context before the keyword keeps look-alikes out: 基金预算收入 is not
 * 预算收入, 基本支出增加 is a change, not a total.
 */
const PATTERNS: [name: string, pattern: RegExp, keyword: string][] = [
  ['revenue_total', new RegExp(`(?:^|年|度|,|:)(?:预算收入|收入预算)(?:总计|合计)?(?:为|共计|是)?${AMOUNT}`), '预算'],
  ['expenditure_total', new RegExp(`(?:^|年|度|,|:)(?:支出预算|预算支出)(?:总计|合计)?(?:为|共计|是)?${AMOUNT}`), '预算'],
  ['basic_total', new RegExp(`(?:^|其中|,|:)基本支出(?:为|共计)?${AMOUNT}`), '基本支出'],
  // not 临聘人员经费, 在职人员经费: a qualified 人员经费 is a part, not the total
  ['personnel_total', new RegExp(`(?:^|[,:;、]|其中|和|包括)(?:基本支出中)?人员经费(?:为|共计)?${AMOUNT}`), '人员经费'],
  ['public_total', new RegExp(`(?:^|[,:;、]|其中|和|包括)(?:日常)?公用经费(?:为|共计)?${AMOUNT}`), '公用经费'],
  ['project_total', new RegExp(`(?:^|,|:|;|其中|和)项目支出(?:为|共计)?${AMOUNT}`), '项目支出'],
  ['admin_cost', new RegExp(`机关运行经费(?:预算)?(?:共计|合计)?(?:安排|支出)?(?:为)?${AMOUNT}`), '机关运行经费'],
  ['three_public_total', new RegExp(`“三公”经费(?:支出)?预算(?:安排|数|合计|共计)?(?:为)?${AMOUNT}`), '三公'],
  ['three_public_overseas', new RegExp(`因公出国\\(境\\)费(?:预算)?(?:安排|为)?${AMOUNT}`), '因公出国'],
  ['three_public_vehicles', new RegExp(`公务用车购置及运(?:行)?维(?:护)?费(?:预算)?(?:安排|为)?${AMOUNT}`), '公务用车购置及'],
  ['three_public_vehicle_purchase', new RegExp(`公务用车购置费(?:预算)?(?:安排|为)?${AMOUNT}`), '公务用车购置费'],
  ['three_public_vehicle_operation', new RegExp(`公务用车运(?:行)?维(?:护)?费(?:预算)?(?:安排|为)?${AMOUNT}`), '公务用车运'],
  ['three_public_reception', new RegExp(`公务接待费(?:预算)?(?:安排|为)?${AMOUNT}`), '公务接待费'],
];

/** `较2024年预算减少66.67万元`: the change of the year's total. */
const CHANGE = new RegExp(`(?:预算收支|收支预算|预算支出|支出预算|预算收入|收入预算)(?:总额)?(?:安排)?(?:为)?${AMOUNT}[^。;]*?较(?:上年|(\\d{4})年)(?:预算)?(增加|减少)${AMOUNT}`);

function factOf(name: string, digits: string, unit: string, sentence: string, ref: SourceRef): NarrativeFact | undefined {
  const clean = digits.replace(/,/g, '');
  try {
    return { name, fen: toFen(clean, unit), unit, decimals: clean.split('.')[1]?.length ?? 0, published: `${digits}${unit}`, sentence, ref };
  } catch {
    return undefined;
  }
}

/**
 * The facts of the paragraphs. In a final account (决算) the tables hold
 * the year's actual: a figure the text calls a budget (公务接待费预算为5.80万元,
 * 完成预算的…) is not one of theirs, and is left out.
 */
export function extractFacts(paragraphs: { text: string; ref: SourceRef }[], phase: 'budget' | 'final' = 'budget'): NarrativeFact[] {
  const facts: NarrativeFact[] = [];
  const seen = new Set<string>();
  const add = (fact: NarrativeFact | undefined) => {
    if (!fact || seen.has(fact.name)) return;
    seen.add(fact.name);
    facts.push(fact);
  };
  for (const paragraph of paragraphs) {
    if (!/\d/.test(paragraph.text)) continue;
    for (const raw of paragraph.text.split(/(?<=[。；;])/)) {
      const sentence = compact(raw).replace(/，/g, ',').replace(/：/g, ':');
      if (!/\d/.test(sentence)) continue;
      for (const [name, pattern, keyword] of PATTERNS) {
        if (!sentence.includes(keyword)) continue;
        const m = pattern.exec(sentence);
        if (m && !(phase === 'final' && /预算/.test(m[0]))) add(factOf(name, m[1], m[2], raw.trim(), paragraph.ref));
      }
      const change = phase === 'final' ? null : CHANGE.exec(sentence);
      if (change) {
        const [, totalDigits, totalUnit, , direction, deltaDigits, deltaUnit] = change;
        const total = factOf('change_total', totalDigits, totalUnit, raw.trim(), paragraph.ref);
        const delta = factOf('change_vs_previous_year', `${direction === '减少' ? '-' : ''}${deltaDigits}`, deltaUnit, raw.trim(), paragraph.ref);
        if (total && delta && !seen.has('change_vs_previous_year')) {
          add(delta);
          // the previous year's total the text implies: this year's minus the change
          add({ ...delta, name: 'previous_year_total', fen: total.fen - delta.fen, published: '', decimals: Math.max(total.decimals, delta.decimals) });
        }
      }
    }
  }
  return facts;
}
