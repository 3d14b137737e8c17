// Where each JSON pointer is in a JSON text, for showing validation errors at their place in the
// editor. Tolerant: on a syntax error it stops and keeps what it found so far (factorgate reports
// a syntax error at the pointer where parsing stopped, which is then already located).

/**
 * Returns a Map from JSON pointer ("" for the root, "/risk/weights/newCountry", "/a/0") to
 * `{ start, end }` character offsets: from the key (for object members) to the end of the value.
 */
export function locatePointers(text) {
  const map = new Map();
  let i = 0;
  const n = text.length;
  const fail = () => {
    throw new SyntaxError('stop');
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i += 1;
  };
  const string = () => {
    const start = i;
    i += 1;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= n) fail();
    i += 1;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      return fail();
    }
  };
  const escape = (key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');

  function value(pointer, from) {
    ws();
    const entry = { start: from ?? i, end: i + 1 };
    map.set(pointer, entry); // set early: a value cut short by a syntax error is still found
    if (text[i] === '{') {
      i += 1;
      ws();
      if (text[i] === '}') i += 1;
      else {
        for (;;) {
          ws();
          if (text[i] !== '"') fail();
          const keyStart = i;
          const key = string();
          ws();
          if (text[i] !== ':') fail();
          i += 1;
          value(`${pointer}/${escape(key)}`, keyStart);
          ws();
          if (text[i] === ',') i += 1;
          else if (text[i] === '}') {
            i += 1;
            break;
          } else fail();
        }
      }
    } else if (text[i] === '[') {
      i += 1;
      ws();
      if (text[i] === ']') i += 1;
      else {
        for (let index = 0; ; index += 1) {
          value(`${pointer}/${index}`);
          ws();
          if (text[i] === ',') i += 1;
          else if (text[i] === ']') {
            i += 1;
            break;
          } else fail();
        }
      }
    } else if (text[i] === '"') {
      string();
    } else {
      const start = i;
      while (i < n && !/[\s,\]}]/.test(text[i])) i += 1;
      if (i === start) fail();
    }
    entry.end = i;
  }

  try {
    value('');
  } catch {
    // keep what was located
  }
  return map;
}

/** The located range of `pointer`, or of its longest located prefix; null when none is. */
export function rangeOf(map, pointer) {
  let p = pointer;
  for (;;) {
    if (map.has(p)) return map.get(p);
    if (p === '') return null;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** 1-based line number of a character offset. */
export function lineOf(text, offset) {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k += 1) if (text.charCodeAt(k) === 10) line += 1;
  return line;
}
