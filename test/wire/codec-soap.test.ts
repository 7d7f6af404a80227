// The SOAP 1.1 form of 2014-08-15: requests and answers round-trip through the reference
// emulator in process; envelope, namespace, SOAPAction, signature, batching and faults follow
// specs/protocols/2014-08-15.json#/soap, and the XML parsing stays hardened.
import { describe, expect, test } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { wireFormOf } from '../../src/record/wire-form.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import {
  decodeSoapBatch,
  encodeSoapBatch,
  isSoapFault,
  isSoapRequest,
  soapBinding,
  soapCodec,
  soapOperation,
} from '../../src/wire/soap.ts';
import { parseXmlSafe } from '../../src/wire/xml.ts';
import { stateIds } from '../emulator/helpers.ts';

const set = loadSpecs();
const b = soapBinding(set);
const ctx = { host: '127.0.0.1', now: new Date() };

describe('SOAP requests', () => {
  test('an Envelope whose Body holds the operation element in the 2014-08-15 namespace, with SOAPAction', () => {
    const req = soapCodec.encodeRequest(set, 'GetAssignment', { AssignmentId: 'A1' }, TEST_REQUESTER_1, ctx);
    expect(req.method).toBe('POST');
    expect(req.headers.soapaction).toBe(`"${b.soapAction.value}"`);
    expect(req.headers['content-type']).toMatch(/^text\/xml/);
    expect(req.body).toContain(`<GetAssignment xmlns="${b.namespace.uri}">`);
    expect(req.body).toContain(`xmlns:soapenv="${b.envelope.namespace}"`);
    expect(req.body).toMatch(/<AWSAccessKeyId>.*<\/AWSAccessKeyId><Timestamp>.*<\/Timestamp><Signature>/);
    expect(req.body).toContain('<Request><AssignmentId>A1</AssignmentId></Request>');
    expect(isSoapRequest(set, req)).toBe(true);
    expect(soapOperation(set, req)).toBe('GetAssignment');
    expect(wireFormOf(set, req)?.api).toBe('2014-08-15');
  });

  test('a REST request is not claimed by the SOAP codec, a SOAP request not by the REST one', () => {
    const rest = {
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Operation=GetAssignment',
    };
    expect(soapCodec.claims(rest)).toBe(false);
    const soap = soapCodec.encodeRequest(set, 'GetAssignment', {}, TEST_REQUESTER_1, ctx);
    const codecs = [...(set.apis['2014-08-15'].protocol.soap ? [soapCodec] : [])];
    expect(codecs[0]!.claims(soap)).toBe(true);
  });
});

describe('the emulator over SOAP', () => {
  test('a valid call is served in an Envelope, the answer document in the namespace', () => {
    const em = createEmulator();
    const ids = stateIds(em, 'HITWithSubmittedAssignment');
    const req = soapCodec.encodeRequest(
      set,
      'GetAssignment',
      { AssignmentId: ids.AssignmentId },
      TEST_REQUESTER_1,
      ctx,
    );
    const res = em.handleSync(req);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<GetAssignmentResponse xmlns="${b.namespace.uri}">`);
    const a = soapCodec.decodeResponse(set, 'GetAssignment', res);
    expect(a.kind).toBe('success');
    expect(a.problems).toEqual([]);
    if (a.kind === 'success')
      expect((a.output.Assignment as Record<string, unknown>).AssignmentId).toBe(ids.AssignmentId);
  });

  test('an operation error sits in the Result, an AWS-level one in OperationRequest, both with HTTP 200', () => {
    const em = createEmulator();
    const unknown = em.handleSync(
      soapCodec.encodeRequest(set, 'RejectAssignment', { AssignmentId: 'NOPE' }, TEST_REQUESTER_1, ctx),
    );
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatch(/<RejectAssignmentResult><Request><IsValid>False<\/IsValid><Errors>/);
    const a = soapCodec.decodeResponse(set, 'RejectAssignment', unknown);
    expect(a.kind === 'error' && a.code).toBe('AWS.MechanicalTurk.AssignmentDoesNotExist');
    expect(a.problems).toEqual([]);

    const req = soapCodec.encodeRequest(
      set,
      'RejectAssignment',
      { AssignmentId: 'X' },
      TEST_REQUESTER_1,
      ctx,
    );
    const spoiled = { ...req, body: req.body.replace(/<Signature>[^<]*</, '<Signature>AAAA<') };
    const bad = em.handleSync(spoiled);
    expect(bad.status).toBe(200);
    expect(isSoapFault(set, bad)).toBe(false);
    expect(bad.body).toMatch(/<OperationRequest><RequestId>[^<]+<\/RequestId><Errors>/);
    const d = soapCodec.decodeResponse(set, 'RejectAssignment', bad);
    expect(d.kind === 'error' && d.code).toBe('AWS.BadClaimsSupplied');
    expect(d.problems).toEqual([]);
  });

  test('a batch of Request items is answered by one Result per item, in order', () => {
    const em = createEmulator();
    const one = stateIds(em, 'HITWithSubmittedAssignment');
    const two = stateIds(em, 'HITWithSubmittedAssignment');
    const req = encodeSoapBatch(
      set,
      'GetAssignment',
      [{ AssignmentId: one.AssignmentId }, { AssignmentId: 'NOPE' }, { AssignmentId: two.AssignmentId }],
      TEST_REQUESTER_1,
      ctx,
    );
    const answers = decodeSoapBatch(set, 'GetAssignment', em.handleSync(req));
    expect(answers.map((a) => a.kind)).toEqual(['success', 'error', 'success']);
    const idOf = (a: (typeof answers)[number]) =>
      a.kind === 'success' ? (a.output.Assignment as Record<string, unknown>).AssignmentId : undefined;
    expect([idOf(answers[0]!), idOf(answers[2]!)]).toEqual([one.AssignmentId, two.AssignmentId]);
  });

  test('what is not a readable SOAP call is a Fault with HTTP 500: Client, or VersionMismatch', () => {
    const em = createEmulator();
    const req = soapCodec.encodeRequest(set, 'GetAssignment', {}, TEST_REQUESTER_1, ctx);
    const broken = em.handleSync({ ...req, body: '<soapenv:Envelope xmlns:soapenv="x"><oops' });
    expect(broken.status).toBe(b.fault.status);
    expect(broken.body).toContain(`<faultcode>soapenv:${b.fault.codes.client}</faultcode>`);
    const other = em.handleSync({
      ...req,
      body: req.body.replaceAll(b.envelope.namespace, 'http://www.w3.org/2003/05/soap-envelope'),
    });
    expect(other.status).toBe(b.fault.status);
    expect(other.body).toContain(`soapenv:${b.fault.codes.versionMismatch}`);
    const foreign = em.handleSync({ ...req, body: req.body.replace(b.namespace.uri, 'urn:other') });
    expect(foreign.status).toBe(b.fault.status);
    expect(isSoapFault(set, foreign)).toBe(true);
  });

  test('XML parsing stays hardened: DOCTYPE and entities are refused, size is capped', () => {
    const em = createEmulator({ maxBodyBytes: 64 * 1024 });
    const req = soapCodec.encodeRequest(set, 'GetAssignment', { AssignmentId: 'x' }, TEST_REQUESTER_1, ctx);
    const bomb = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>${req.body.replace(/^<\?xml[^>]*\?>/, '').replace('<AssignmentId>x', '<AssignmentId>&b;')}`;
    const res = em.handleSync({ ...req, body: bomb });
    expect(res.status).toBe(b.fault.status);
    expect(res.body).toContain('not accepted');
    const external = em.handleSync({
      ...req,
      body: `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${req.body.replace(/^<\?xml[^>]*\?>/, '')}`,
    });
    expect(external.body).not.toContain('root:');
    expect(isSoapFault(set, external)).toBe(true);
    const huge = em.handleSync({
      ...req,
      body: req.body.replace('x</AssignmentId>', `${'x'.repeat(70_000)}</AssignmentId>`),
    });
    expect(parseXmlSafe(huge.body).ok).toBe(true);
    expect(huge.body).toMatch(/RequestTooLarge|exceeds/);
  });
});

describe('signatures over SOAP', () => {
  test('the MTurk scheme signs service + operation element + Timestamp, as over REST', async () => {
    const { codecFor } = await import('../../src/wire/index.ts');
    const now = new Date('2026-01-02T03:04:05Z');
    const rest = codecFor('2014-08-15').encodeRequest(set, 'GetAssignment', {}, TEST_REQUESTER_1, {
      host: 'h',
      now,
      scheme: 'mturk-hmac-sha1',
      method: 'GET',
    });
    const restSig = new URLSearchParams(rest.query).get('Signature');
    const soap = soapCodec.encodeRequest(set, 'GetAssignment', {}, TEST_REQUESTER_1, { host: 'h', now });
    expect(soap.body).toContain(`<Signature>${restSig}</Signature>`);
  });

  test('SignatureVersion 1 is REST only: the binding names the MTurk scheme alone', () => {
    const schemes = set.apis['2014-08-15'].protocol.signing.schemes!.map((s) => s.name);
    expect(schemes).toContain('aws-query-v1');
    expect(b.signing.schemes).toEqual(['mturk-hmac-sha1']);
  });

  test('a call signed with another secret, or with no Signature, is refused in the answer document', () => {
    const em = createEmulator();
    const other = soapCodec.encodeRequest(
      set,
      'GetAssignment',
      { AssignmentId: 'x' },
      { accessKeyId: TEST_REQUESTER_1.accessKeyId, secretAccessKey: 'not-the-secret' },
      ctx,
    );
    const a = soapCodec.decodeResponse(set, 'GetAssignment', em.handleSync(other));
    expect(a.kind === 'error' && a.code).toBe('AWS.BadClaimsSupplied');
    const unsigned = soapCodec.encodeRequest(
      set,
      'GetAssignment',
      { AssignmentId: 'x' },
      TEST_REQUESTER_1,
      ctx,
    );
    const none = em.handleSync({
      ...unsigned,
      body: unsigned.body.replace(/<Signature>[^<]*<\/Signature>/, ''),
    });
    const d = soapCodec.decodeResponse(set, 'GetAssignment', none);
    expect(d.kind === 'error' && d.code).toBe('AWS.NotAuthorized');
    expect(none.status).toBe(200);
  });
});

describe('hostile SOAP bodies', () => {
  test('cut, spliced or foreign envelopes: never a throw, never a success, the store unchanged', async () => {
    const fc = (await import('fast-check')).default;
    const em = createEmulator({ maxBodyBytes: 16 * 1024 });
    stateIds(em, 'HITWithSubmittedAssignment');
    // an id that names nothing: no splice can make this call succeed
    const valid = soapCodec.encodeRequest(
      set,
      'RejectAssignment',
      { AssignmentId: 'NOSUCHASSIGNMENT', RequesterFeedback: 'x' },
      TEST_REQUESTER_1,
      ctx,
    );
    const digest = em.store.digest();
    const pieces = [
      '<!DOCTYPE x [<!ENTITY e "e">]>',
      '&e;',
      '&#0;',
      '<![CDATA[',
      `</${b.request.element}>`,
      `<${b.request.element}>`,
      `xmlns="${b.namespace.uri}"`,
      '<soapenv:Body>',
      '\u0000',
      '<a:b xmlns:a="urn:x">',
      'x'.repeat(20_000),
    ];
    await fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.body.length }),
        fc.integer({ min: 0, max: valid.body.length }),
        fc.constantFrom(...pieces),
        (at, cut, piece) => {
          const body = `${valid.body.slice(0, Math.min(at, cut))}${piece}${valid.body.slice(Math.max(at, cut))}`;
          const res = em.handleSync({ ...valid, body });
          expect([200, b.fault.status]).toContain(res.status);
          expect(soapCodec.decodeResponse(set, 'RejectAssignment', res).kind).toBe('error');
          expect(em.store.digest()).toBe(digest);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
