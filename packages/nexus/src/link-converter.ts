/**
 * Conversions between Temporal links (`temporal.api.common.v1.Link`) and Nexus links (a URL and a type). The URL
 * forms are the ones the server and every SDK use, for example
 * `temporal:///namespaces/NS/workflows/WID/RID/history?eventID=5&eventType=NexusOperationScheduled&referenceType=EventReference`.
 *
 * @module
 */
import Long from 'long';
import type { Link as NexusLink } from 'nexus-rpc';
import { temporal } from '@kairos/proto';

type TemporalLink = temporal.api.common.v1.ILink;
type WorkflowEventLink = temporal.api.common.v1.Link.IWorkflowEvent;
type WorkflowLink = temporal.api.common.v1.Link.IWorkflow;
type NexusOperationLink = temporal.api.common.v1.Link.INexusOperation;
type ActivityLink = temporal.api.common.v1.Link.IActivity;

const { EventType } = temporal.api.enums.v1;

/** Link types: the full names of the link messages. */
const LINK_TYPE = {
  workflowEvent: 'temporal.api.common.v1.Link.WorkflowEvent',
  workflow: 'temporal.api.common.v1.Link.Workflow',
  nexusOperation: 'temporal.api.common.v1.Link.NexusOperation',
  activity: 'temporal.api.common.v1.Link.Activity',
} as const;

const EVENT_REFERENCE = 'EventReference';
const REQUEST_ID_REFERENCE = 'RequestIdReference';

/** `EVENT_TYPE_NEXUS_OPERATION_SCHEDULED` → `NexusOperationScheduled` (the form links carry). */
function eventTypeToLinkName(eventType: number): string {
  const name = EventType[eventType] as string | undefined;
  if (name === undefined) throw new TypeError(`Unknown event type: ${eventType}`);
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

/** `NexusOperationScheduled` (or `EVENT_TYPE_NEXUS_OPERATION_SCHEDULED`) → the event type number. */
function eventTypeFromLinkName(value: string): number {
  let constant = value.includes('_') ? value.toUpperCase() : value.replace(/(?!^)([A-Z])/g, '_$1').toUpperCase();
  if (!constant.startsWith('EVENT_TYPE_')) constant = `EVENT_TYPE_${constant}`;
  const eventType = (EventType as unknown as Record<string, number | undefined>)[constant];
  if (eventType === undefined) throw new TypeError(`Unknown eventType parameter: ${value}`);
  return eventType;
}

function toNumber(value: number | Long | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Long.fromValue(value).toNumber();
}

function requireFields(what: string, fields: Record<string, string | null | undefined>): void {
  const missing = Object.entries(fields)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) {
    throw new TypeError(
      `Missing required fields of a ${what} link: ${missing.join(', ')} (${Object.entries(fields)
        .map(([k, v]) => `${k}=${v ?? ''}`)
        .join(', ')})`,
    );
  }
}

/** The `/namespaces/NS/COLLECTION/ID/RUN[/TAIL]` segments of a `temporal:` link URL (decoded). */
function pathSegments(link: NexusLink, collection: string, tail?: string): [string, string, string] {
  const parts = link.url.pathname.split('/');
  const expected = tail === undefined ? 6 : 7;
  if (
    parts.length !== expected ||
    parts[0] !== '' ||
    parts[1] !== 'namespaces' ||
    parts[3] !== collection ||
    (tail !== undefined && parts[6] !== tail)
  ) {
    throw new TypeError(`Invalid URL path: ${link.url.toString()}`);
  }
  return [decodeURIComponent(parts[2]), decodeURIComponent(parts[4]), decodeURIComponent(parts[5])];
}

function linkUrl(namespace: string, collection: string, id: string, runId: string, tail?: string): URL {
  const path = [namespace, collection, id, runId].map((p, i) => (i === 1 ? p : encodeURIComponent(p)));
  return new URL(`temporal:///namespaces/${path.join('/')}${tail === undefined ? '' : `/${tail}`}`);
}

/** A link to an event of a workflow run (by event id or by the request id that wrote it) as a Nexus link. */
export function convertWorkflowEventLinkToNexusLink(we: WorkflowEventLink): NexusLink {
  requireFields('workflow event', { namespace: we.namespace, workflowId: we.workflowId, runId: we.runId });
  const url = linkUrl(we.namespace!, 'workflows', we.workflowId!, we.runId!, 'history');
  const params = new URLSearchParams();
  if (we.eventRef) {
    params.set('referenceType', EVENT_REFERENCE);
    const eventId = toNumber(we.eventRef.eventId);
    if (eventId > 0) params.set('eventID', String(eventId));
    if (we.eventRef.eventType) params.set('eventType', eventTypeToLinkName(we.eventRef.eventType));
  } else if (we.requestIdRef) {
    params.set('referenceType', REQUEST_ID_REFERENCE);
    if (we.requestIdRef.requestId) params.set('requestID', we.requestIdRef.requestId);
    if (we.requestIdRef.eventType) params.set('eventType', eventTypeToLinkName(we.requestIdRef.eventType));
  }
  url.search = params.toString();
  return { url, type: LINK_TYPE.workflowEvent };
}

/** The workflow event link a Nexus link of type `temporal.api.common.v1.Link.WorkflowEvent` stands for. */
export function convertNexusLinkToWorkflowEventLink(link: NexusLink): WorkflowEventLink {
  const [namespace, workflowId, runId] = pathSegments(link, 'workflows', 'history');
  const query = link.url.searchParams;
  const referenceType = query.get('referenceType');
  const eventTypeParam = query.get('eventType');
  if (referenceType !== EVENT_REFERENCE && referenceType !== REQUEST_ID_REFERENCE) {
    throw new TypeError(`Unknown reference type: ${referenceType}`);
  }
  if (!eventTypeParam) throw new TypeError('Missing eventType parameter');
  const eventType = eventTypeFromLinkName(eventTypeParam);
  if (referenceType === EVENT_REFERENCE) {
    const idParam = query.get('eventID') ?? '';
    const eventId = /^\d+$/.test(idParam) ? Number(idParam) : 0;
    return { namespace, workflowId, runId, eventRef: { eventId: Long.fromNumber(eventId), eventType } };
  }
  return { namespace, workflowId, runId, requestIdRef: { requestId: query.get('requestID') ?? '', eventType } };
}

/** A link to a whole workflow run (no event) as a Nexus link; `reason` rides along as a query parameter. */
export function convertWorkflowLinkToNexusLink(wl: WorkflowLink): NexusLink {
  requireFields('workflow', { namespace: wl.namespace, workflowId: wl.workflowId, runId: wl.runId });
  const url = linkUrl(wl.namespace!, 'workflows', wl.workflowId!, wl.runId!);
  if (wl.reason) url.search = new URLSearchParams({ reason: wl.reason }).toString();
  return { url, type: LINK_TYPE.workflow };
}

/** The workflow link a Nexus link of type `temporal.api.common.v1.Link.Workflow` stands for. */
export function convertNexusLinkToWorkflowLink(link: NexusLink): WorkflowLink {
  const [namespace, workflowId, runId] = pathSegments(link, 'workflows');
  requireFields('workflow', { namespace, workflowId, runId });
  const reason = link.url.searchParams.get('reason');
  return reason === null ? { namespace, workflowId, runId } : { namespace, workflowId, runId, reason };
}

/** A link to a standalone Nexus operation as a Nexus link. */
export function convertNexusOperationLinkToNexusLink(opLink: NexusOperationLink): NexusLink {
  requireFields('Nexus operation', {
    namespace: opLink.namespace,
    operationId: opLink.operationId,
    runId: opLink.runId,
  });
  return {
    url: linkUrl(opLink.namespace!, 'nexus-operations', opLink.operationId!, opLink.runId!, 'details'),
    type: LINK_TYPE.nexusOperation,
  };
}

function convertNexusLinkToNexusOperationLink(link: NexusLink): NexusOperationLink {
  const [namespace, operationId, runId] = pathSegments(link, 'nexus-operations', 'details');
  requireFields('Nexus operation', { namespace, operationId, runId });
  return { namespace, operationId, runId };
}

/** A link to a standalone activity as a Nexus link. */
export function convertActivityLinkToNexusLink(activityLink: ActivityLink): NexusLink {
  requireFields('activity', {
    namespace: activityLink.namespace,
    activityId: activityLink.activityId,
    runId: activityLink.runId,
  });
  return {
    url: linkUrl(activityLink.namespace!, 'activities', activityLink.activityId!, activityLink.runId!, 'details'),
    type: LINK_TYPE.activity,
  };
}

function convertNexusLinkToActivityLink(link: NexusLink): ActivityLink {
  const [namespace, activityId, runId] = pathSegments(link, 'activities', 'details');
  requireFields('activity', { namespace, activityId, runId });
  return { namespace, activityId, runId };
}

/** Any Temporal link as a Nexus link. */
export function convertTemporalLinkToNexusLink(link: TemporalLink): NexusLink {
  if (link.workflowEvent) return convertWorkflowEventLinkToNexusLink(link.workflowEvent);
  if (link.nexusOperation) return convertNexusOperationLinkToNexusLink(link.nexusOperation);
  if (link.workflow) return convertWorkflowLinkToNexusLink(link.workflow);
  if (link.activity) return convertActivityLinkToNexusLink(link.activity);
  throw new TypeError('Invalid Temporal link: unknown variant');
}

/** The Temporal link a Nexus link stands for (its URL must use the `temporal:` scheme). */
export function convertNexusLinkToTemporalLink(link: NexusLink): TemporalLink {
  if (link.url.protocol !== 'temporal:') {
    throw new TypeError(`Invalid URL scheme: ${link.url.toString()}, expected 'temporal:', got '${link.url.protocol}'`);
  }
  switch (link.type) {
    case LINK_TYPE.workflowEvent:
      return { workflowEvent: convertNexusLinkToWorkflowEventLink(link) };
    case LINK_TYPE.workflow:
      return { workflow: convertNexusLinkToWorkflowLink(link) };
    case LINK_TYPE.nexusOperation:
      return { nexusOperation: convertNexusLinkToNexusOperationLink(link) };
    case LINK_TYPE.activity:
      return { activity: convertNexusLinkToActivityLink(link) };
    default:
      throw new TypeError(`Unknown link type: ${link.type}`);
  }
}
