import { CliError } from '../cli-error';
import { Batcher, bulkBody, bulkBytes, callOfLine, derivedMessageId, LineCall } from './jsonl-calls';

const read = (text: string, line = 1, defaultType?: string) =>
  callOfLine(text, line, { source: '/data/calls.jsonl', label: 'calls.jsonl', defaultType });

describe(callOfLine.name, () => {
  it('keeps the line as written and puts a derived messageId in front when it has none', () => {
    const sut = read('  {"type":"event","event":"a","userId":12345678901234567890}  ', 3);
    const id = derivedMessageId('/data/calls.jsonl', 3, '{"type":"event","event":"a","userId":12345678901234567890}');
    expect(sut).toEqual({
      line: 3,
      json: `{"messageId":"${id}","type":"event","event":"a","userId":12345678901234567890}`,
      bytes: Buffer.byteLength(`{"messageId":"${id}","type":"event","event":"a","userId":12345678901234567890}`),
      assignedMessageId: true,
    });
    expect(JSON.parse(sut?.json ?? '')).toMatchObject({ messageId: id, type: 'event' });
  });

  it('derives the same id for the same source, line and text, another one when any of them differs', () => {
    const text = '{"type":"user","userId":"u"}';
    const id = derivedMessageId('a', 1, text);
    expect(derivedMessageId('a', 1, text)).toBe(id);
    expect(
      new Set([id, derivedMessageId('b', 1, text), derivedMessageId('a', 2, text), derivedMessageId('a', 1, `${text} `)]).size,
    ).toBe(4);
    expect(id).toMatch(/^exportd-cli-[A-Za-z0-9_-]{32}$/);
  });

  it("keeps a call's own messageId and sends the line unchanged", () => {
    expect(read('{"type":"user","userId":"u","messageId":"m1"}')).toMatchObject({
      json: '{"type":"user","userId":"u","messageId":"m1"}',
      assignedMessageId: false,
    });
  });

  it('replaces a null messageId or type, and adds --type to lines without one', () => {
    const sut = read('{"userId":"u","messageId":null,"type":null}', 1, 'user');
    expect(sut?.json).toMatch(/^\{"type":"user","messageId":"exportd-cli-[^"]+","userId":"u"\}$/);
    expect(read('{}', 1, 'user')?.json).toMatch(/^\{"type":"user","messageId":"[^"]+"\}$/);
  });

  it('skips blank lines and names the line of a broken one', () => {
    expect(read('   ')).toBeUndefined();
    expect(() => read('{"type":', 7)).toThrow(/^calls\.jsonl:7: not valid JSON/);
    expect(() => read('[1]', 8)).toThrow('calls.jsonl:8: each line must be one JSON object');
    expect(() => read('{"userId":"u"}', 9)).toThrow(CliError);
    expect(() => read('{"userId":"u"}', 9)).toThrow(/calls\.jsonl:9: the call has no "type".*--type/);
  });
});

describe(Batcher.name, () => {
  const call = (line: number, bytes: number): LineCall => ({ line, json: 'x'.repeat(bytes), bytes, assignedMessageId: false });

  it('cuts batches at the call limit', () => {
    const sut = new Batcher({ maxCalls: 2, maxBytes: 1000 }, 'f');
    expect(sut.add(call(1, 10))).toBeUndefined();
    expect(sut.add(call(2, 10))).toBeUndefined();
    expect(sut.add(call(3, 10))?.map((c) => c.line)).toEqual([1, 2]);
    expect(sut.flush()?.map((c) => c.line)).toEqual([3]);
    expect(sut.flush()).toBeUndefined();
  });

  it('keeps every bulk body within the byte limit, brackets and commas included', () => {
    const sut = new Batcher({ maxCalls: 100, maxBytes: 25 }, 'f');
    const batches: LineCall[][] = [];
    for (let line = 1; line <= 9; line++) {
      const full = sut.add(call(line, 5));
      if (full) batches.push(full);
    }
    batches.push(sut.flush() ?? []);
    // [a,b,c,d] of 5 bytes each: 2 + 20 + 3 = 25 bytes.
    expect(batches.map((b) => b.length)).toEqual([4, 4, 1]);
    for (const batch of batches) {
      expect(bulkBytes(batch)).toBe(Buffer.byteLength(bulkBody(batch)));
      expect(bulkBytes(batch)).toBeLessThanOrEqual(25);
    }
  });

  it('refuses a call larger than a whole request, naming its line', () => {
    expect(() => new Batcher({ maxCalls: 10, maxBytes: 20 }, 'calls.jsonl').add(call(4, 19))).toThrow(
      'calls.jsonl:4: the call is 19 bytes; a bulk request holds at most 20 bytes',
    );
  });
});
