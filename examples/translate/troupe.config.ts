import { defineTroupeConfig } from '@troupe/cli';
import { summariseTranslate } from './summarise-translate.js';
import { translator } from './translator.js';

// `troupe up` here (or `troupe up --config examples/translate` from the repository) runs the built-in roles and
// workflows, an agent process for the translator, and the summarise-translate workflow beside the built-in ones.
export default defineTroupeConfig({
  roles: [translator],
  agents: { translator: { concurrency: 2 } },
  workflows: [summariseTranslate],
});
