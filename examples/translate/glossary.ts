/**
 * The translator's offline answer: word for word from a small glossary, so the example runs without a model
 * key. A model does the real translation; this only shows the shape of the answer and where it goes.
 */
const GLOSSARIES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  fr: {
    a: 'un',
    agent: 'agent',
    agents: 'agents',
    and: 'et',
    are: 'sont',
    as: 'comme',
    by: 'par',
    coordinates: 'coordonne',
    each: 'chaque',
    every: 'chaque',
    for: 'pour',
    from: 'de',
    in: 'dans',
    is: 'est',
    it: 'il',
    its: 'son',
    keeps: 'garde',
    machine: 'machine',
    message: 'message',
    messages: 'messages',
    messaging: 'messagerie',
    of: 'de',
    on: 'sur',
    one: 'un',
    or: 'ou',
    over: 'sur',
    process: 'processus',
    processes: 'processus',
    role: 'rôle',
    roles: 'rôles',
    run: "s'exécutent",
    runs: "s'exécute",
    separate: 'séparés',
    state: 'état',
    step: 'étape',
    steps: 'étapes',
    supervisor: 'superviseur',
    system: 'système',
    talk: 'parlent',
    task: 'tâche',
    tasks: 'tâches',
    the: 'le',
    their: 'leur',
    to: 'à',
    with: 'avec',
    workflow: 'flux',
    workflows: 'flux',
  },
  de: {
    a: 'ein',
    agent: 'Agent',
    agents: 'Agenten',
    and: 'und',
    are: 'sind',
    as: 'als',
    by: 'von',
    coordinates: 'koordiniert',
    each: 'jeder',
    every: 'jeder',
    for: 'für',
    from: 'von',
    in: 'in',
    is: 'ist',
    it: 'es',
    its: 'seinen',
    keeps: 'hält',
    machine: 'Maschine',
    message: 'Nachricht',
    messages: 'Nachrichten',
    messaging: 'Nachrichten',
    of: 'von',
    on: 'auf',
    one: 'ein',
    or: 'oder',
    over: 'über',
    process: 'Prozess',
    processes: 'Prozesse',
    role: 'Rolle',
    roles: 'Rollen',
    run: 'laufen',
    runs: 'läuft',
    separate: 'getrennte',
    state: 'Zustand',
    step: 'Schritt',
    steps: 'Schritte',
    supervisor: 'Supervisor',
    system: 'System',
    talk: 'sprechen',
    task: 'Aufgabe',
    tasks: 'Aufgaben',
    the: 'der',
    their: 'ihr',
    to: 'zu',
    with: 'mit',
    workflow: 'Ablauf',
    workflows: 'Abläufe',
  },
};

export const OFFLINE_LANGUAGES = Object.keys(GLOSSARIES);

export interface GlossaryTranslation {
  language: string;
  translation: string;
  notes: string[];
}

/** Each word looked up (its capital kept), everything else left as it was. */
export function glossaryTranslation(text: string, language: string): GlossaryTranslation {
  const glossary = GLOSSARIES[language];
  if (!glossary) {
    return {
      language,
      translation: text,
      notes: [
        `offline model: no glossary for "${language}" (it has ${OFFLINE_LANGUAGES.join(', ')}); the text is unchanged`,
      ],
    };
  }
  let words = 0;
  let translated = 0;
  const kept = new Set<string>();
  const translation = text.replace(/\p{L}[\p{L}'-]*/gu, (word) => {
    words++;
    const found = glossary[word.toLowerCase()];
    if (found === undefined) {
      kept.add(word);
      return word;
    }
    translated++;
    return word[0] === word[0]!.toUpperCase() ? found[0]!.toUpperCase() + found.slice(1) : found;
  });
  return {
    language,
    translation,
    notes: [
      `offline model: word for word from a glossary (${translated} of ${words} words); set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real translation`,
      ...(kept.size > 0 ? [`left as they were: ${[...kept].join(', ')}`] : []),
    ],
  };
}
