/**
 * Run by `prepack`: copies the repository's examples into `templates/`, so that the published package carries them
 * and creating a project needs nothing but the npm registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyTree, listExamples } from './templates';

const root = path.resolve(__dirname, '..');
const examples = path.resolve(root, '..', '..', 'examples');
const templates = path.join(root, 'templates');
fs.rmSync(templates, { recursive: true, force: true });
for (const name of listExamples(examples)) copyTree(path.join(examples, name), path.join(templates, name));
console.log(`copied ${listExamples(templates).length} examples into ${templates}`);
