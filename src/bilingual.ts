/**
 * A message in English, for developers, and in Vietnamese, for the people who read it
 * at a counter: citizens and commune officials. Every error carries both
 * (`message`, `extensions.messageVi`; the Vietnamese as `message` when the request
 * says `Accept-Language: vi`).
 */
export interface Bilingual {
  en: string;
  vi: string;
}

export function bilingual(en: string, vi: string): Bilingual {
  return { en, vi };
}
