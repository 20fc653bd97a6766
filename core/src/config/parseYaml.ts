import { LineCounter, parseDocument, type Document, type YAMLError, type YAMLWarning } from 'yaml';
import { SourceMap } from './positions.js';
import type { Problem } from './problems.js';

export interface ParsedYaml {
  document: Document;
  sourceMap: SourceMap;
  /** Syntax errors, duplicate keys and unresolved tags; when there are any, the data is not to be trusted. */
  problems: Problem[];
}

/**
 * Parses the text of a configuration file, keeping where every node is. `<<` merge keys are
 * allowed, as operators use them to share settings between entries.
 */
export function parseYaml(source: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const sourceMap = new SourceMap(document, lineCounter);
  // Warnings count too: an unresolved `!tag` would otherwise silently become a string.
  const problems = [...document.errors, ...document.warnings].map((error) => yamlProblem(error, sourceMap));
  return { document, sourceMap, problems };
}

function yamlProblem(error: YAMLError | YAMLWarning, sourceMap: SourceMap): Problem {
  const offset = error.pos[0];
  if (error.code === 'DUPLICATE_KEY') {
    const pointer = sourceMap.duplicateKeyAt(offset);
    if (pointer !== undefined) {
      const first = sourceMap.locate({ pointer, message: '', at: 'key' });
      return { pointer, offset, message: `duplicate key (first written at line ${first.line})` };
    }
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return { pointer: '', offset, message: 'a configuration file holds one YAML document: remove this "---" and what follows, or merge it into the first' };
  }
  return { pointer: sourceMap.pointerAt(offset), offset, message: sentence(error.message) };
}

/** YAML's messages start with a capital and may carry a trailing position we print ourselves. */
function sentence(message: string): string {
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
