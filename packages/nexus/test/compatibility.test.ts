/**
 * Compares `@kairos/nexus` with `@temporalio/nexus` (a test-only devDependency): the exported names, and the wire
 * forms both packages must agree on (operation tokens, link URLs).
 */
import * as official from '@temporalio/nexus';
import * as officialLinks from '@temporalio/nexus/lib/link-converter';
import * as officialTokens from '@temporalio/nexus/lib/token';
import { temporal as officialProto } from '@temporalio/proto';
import Long from 'long';
import { temporal } from '@kairos/proto';
import * as kairos from '../src';
import * as links from '../src/link-converter';
import * as tokens from '../src/token';

function runtimeNames(mod: object): string[] {
  return Object.keys(mod).sort();
}

describe('compatibility with @temporalio/nexus', () => {
  it('exports every runtime name of the official package, with the same kind of value', () => {
    const ours = kairos as unknown as Record<string, unknown>;
    const theirs = official as unknown as Record<string, unknown>;
    expect(runtimeNames(theirs).filter((name) => !(name in ours))).toEqual([]);
    expect(runtimeNames(theirs).filter((name) => typeof theirs[name] !== typeof ours[name])).toEqual([]);
  });

  it('exports every function of the official lib/token and lib/link-converter modules', () => {
    const missing = (theirs: object, ours: object) =>
      Object.keys(theirs).filter((name) => !(name in ours) && name !== '__esModule');
    expect(missing(officialTokens, tokens)).toEqual([]);
    expect(missing(officialLinks, links)).toEqual([]);
  });

  it('writes the same workflow-run, update and activity tokens, and reads the official ones', () => {
    const cases: Array<[string, string]> = [
      [
        tokens.generateWorkflowRunOperationToken('default', 'wf-1'),
        officialTokens.generateWorkflowRunOperationToken('default', 'wf-1'),
      ],
      [
        tokens.generateUpdateWorkflowOperationToken('ns', 'wf ü', '', 'u-1'),
        officialTokens.generateUpdateWorkflowOperationToken('ns', 'wf ü', '', 'u-1'),
      ],
      [
        tokens.generateUpdateWorkflowOperationToken('ns', 'wf', 'run', 'u-1'),
        officialTokens.generateUpdateWorkflowOperationToken('ns', 'wf', 'run', 'u-1'),
      ],
      [
        tokens.generateActivityOperationToken('ns', 'act', 'run'),
        officialTokens.generateActivityOperationToken('ns', 'act', 'run'),
      ],
    ];
    for (const [ours, theirs] of cases) {
      expect(ours).toBe(theirs);
      expect(tokens.loadOperationToken(theirs)).toEqual(officialTokens.loadOperationToken(ours));
    }
    expect(tokens.generateWorkflowRunOperationToken('default', 'h-1')).toBe(
      Buffer.from('{"t":1,"ns":"default","wid":"h-1"}').toString('base64url'),
    );
  });

  it('rejects the same malformed tokens, with the same messages', () => {
    const bad = [
      '',
      'not base64!',
      tokens.base64URLEncodeNoPadding('not json'),
      tokens.base64URLEncodeNoPadding('42'),
      tokens.base64URLEncodeNoPadding('{"v":1,"t":1,"ns":"x","wid":"w"}'),
      tokens.base64URLEncodeNoPadding('{"t":"1","ns":"x"}'),
      tokens.base64URLEncodeNoPadding('{"t":9,"ns":"x"}'),
      tokens.base64URLEncodeNoPadding('{"t":1}'),
    ];
    for (const token of bad) {
      const theirs = (() => {
        try {
          officialTokens.loadOperationToken(token);
          return 'accepted';
        } catch (err) {
          return `${(err as Error).name}: ${(err as Error).message}`;
        }
      })();
      expect(() => tokens.loadOperationToken(token)).toThrow(theirs.replace(/^TypeError: /, ''));
      expect(theirs).toMatch(/^TypeError: /);
    }
    const notWorkflowRun = tokens.generateActivityOperationToken('ns', 'a', 'r');
    expect(() => tokens.loadWorkflowRunOperationToken(notWorkflowRun)).toThrow(
      'invalid workflow token type: 2, expected: 1',
    );
    expect(() => tokens.loadWorkflowRunOperationToken(tokens.base64URLEncodeNoPadding('{"t":1,"ns":"x"}'))).toThrow(
      'invalid workflow run token: missing workflow ID (wid)',
    );
  });

  it('converts workflow event links to the same URLs and back', () => {
    const eventLink = {
      namespace: 'my ns',
      workflowId: 'wf/1?',
      runId: 'run-1',
      eventRef: {
        eventId: Long.fromNumber(5),
        eventType: temporal.api.enums.v1.EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
      },
    };
    const ours = links.convertWorkflowEventLinkToNexusLink(eventLink);
    const theirs = officialLinks.convertWorkflowEventLinkToNexusLink(
      eventLink as unknown as officialProto.api.common.v1.Link.IWorkflowEvent,
    );
    expect(ours.url.toString()).toBe(theirs.url.toString());
    expect(ours.type).toBe(theirs.type);
    expect(ours.url.toString()).toBe(
      'temporal:///namespaces/my%20ns/workflows/wf%2F1%3F/run-1/history?referenceType=EventReference&eventID=5&eventType=NexusOperationScheduled',
    );
    expect(links.convertNexusLinkToTemporalLink(ours)).toEqual({ workflowEvent: eventLink });
    const byRequest = {
      namespace: 'ns',
      workflowId: 'w',
      runId: 'r',
      requestIdRef: {
        requestId: 'req-1',
        eventType: temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
      },
    };
    const ourRequestLink = links.convertTemporalLinkToNexusLink({ workflowEvent: byRequest });
    expect(ourRequestLink.url.toString()).toBe(
      officialLinks
        .convertTemporalLinkToNexusLink({
          workflowEvent: byRequest,
        } as unknown as officialProto.api.common.v1.ILink)
        .url.toString(),
    );
    expect(links.convertNexusLinkToTemporalLink(ourRequestLink)).toEqual({ workflowEvent: byRequest });
  });

  it('converts workflow, Nexus operation and activity links like the official converter', () => {
    const all = [
      { workflow: { namespace: 'ns', workflowId: 'w', runId: 'r', reason: 'query' } },
      { workflow: { namespace: 'ns', workflowId: 'w', runId: 'r' } },
      { nexusOperation: { namespace: 'ns', operationId: 'op', runId: 'r' } },
      { activity: { namespace: 'ns', activityId: 'a', runId: 'r' } },
    ];
    for (const link of all) {
      const ours = links.convertTemporalLinkToNexusLink(link);
      const theirs = officialLinks.convertTemporalLinkToNexusLink(link as officialProto.api.common.v1.ILink);
      expect([ours.url.toString(), ours.type]).toEqual([theirs.url.toString(), theirs.type]);
      expect(links.convertNexusLinkToTemporalLink(ours)).toEqual(link);
    }
  });

  it('rejects links that are not Temporal links, naming the problem', () => {
    expect(() =>
      links.convertNexusLinkToTemporalLink({ url: new URL('https://example.com/x'), type: 'whatever' }),
    ).toThrow("Invalid URL scheme: https://example.com/x, expected 'temporal:', got 'https:'");
    expect(() =>
      links.convertNexusLinkToTemporalLink({
        url: new URL('temporal:///namespaces/ns/workflows/w/r/history?referenceType=EventReference'),
        type: 'temporal.api.common.v1.Link.WorkflowEvent',
      }),
    ).toThrow('Missing eventType parameter');
    expect(() => links.convertWorkflowLinkToNexusLink({ namespace: 'ns', workflowId: 'w' })).toThrow(/runId/);
  });
});
