import { SETTINGS } from '../config/settings.js';
import { closest } from './closest.js';

/** One warning per `OCT_*` variable that is not a setting, naming the nearest one: a typo would otherwise be ignored silently. */
export function unknownVariableWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = SETTINGS.map((s) => s.env);
  return Object.keys(env)
    .filter((name) => name.startsWith('OCT_') && !known.includes(name))
    .sort()
    .map((name) => `${name} is not an oct setting and is ignored; did you mean ${closest(name, known)}?`);
}
