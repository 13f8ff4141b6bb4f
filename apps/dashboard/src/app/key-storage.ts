/** The API key lives for the browser session (this tab) only: closing it signs out. */
export const API_KEY_STORAGE = 'troupe.apiKey';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage blocked (privacy settings): nothing is remembered beyond this page.
    return null;
  }
}

/** A value remembered for this tab (`troupe.*`), or null. */
export function readSessionValue(name: string): string | null {
  return storage()?.getItem(name) ?? null;
}

export function saveSessionValue(name: string, value: string | null): void {
  if (value === null) storage()?.removeItem(name);
  else storage()?.setItem(name, value);
}

export function readApiKey(): string | null {
  const key = readSessionValue(API_KEY_STORAGE);
  return key === null || key.trim() === '' ? null : key;
}

export function saveApiKey(key: string): void {
  saveSessionValue(API_KEY_STORAGE, key);
}

export function clearApiKey(): void {
  saveSessionValue(API_KEY_STORAGE, null);
}
