import { compact } from './label.js';

/**
 * Departments across years: the same department is recognized by its
 * region, its code and its name without the region (秦皇岛市海港区数据和
 * 政务服务局 → region 秦皇岛市海港区, name 数据和政务服务局).
 */

/** Stems that end in 区/县 but name no place (开发区, 社区 …). */
const NOT_PLACES = new Set(['开发', '示范', '保护', '风景', '自然保护', '高新', '经济', '新', '园', '社', '小', '校', '街', '景', '功能', '试验']);

export interface RegionParts {
  /** The place the name begins with (`秦皇岛市海港区`), '' when none. */
  region: string;
  /** The most local part of the region (`海港区`), what stays stable when a name drops its city. */
  regionKey: string;
  /** The name without the region. */
  rest: string;
}

export function parseRegion(departmentName: string): RegionParts {
  const name = compact(departmentName);
  let rest = name;
  const parts: string[] = [];
  const take = (pattern: RegExp, accept: (stem: string) => boolean = () => true) => {
    const m = pattern.exec(rest);
    if (m && accept(m[2]) && rest.length > m[1].length) {
      parts.push(m[1]);
      rest = rest.slice(m[1].length);
    }
  };
  take(/^((.{2,3}?)(?:省|自治区))/);
  take(/^((.{2,4}?)(?:市|州|盟|地区))/);
  take(/^((.{2,4}?)(?:区|县|旗|市))/, (stem) => !NOT_PLACES.has(stem));
  const region = parts.join('');
  return { region, regionKey: parts.at(-1) ?? '', rest };
}

/** The key linking documents of one department: region, code and name. */
export function departmentKey(code: string, name: string, region?: string): string {
  const parts = parseRegion(name);
  const regionKey = region ? parseRegion(`${region}x`).regionKey || compact(region) : parts.regionKey;
  return `${regionKey}|${code}|${parts.rest}`;
}
