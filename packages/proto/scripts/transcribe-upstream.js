#!/usr/bin/env node
// Maintenance tool, not part of the build: writes the `temporal.api.*` subset that Kairos uses as .proto
// files under protos/, taking the wire facts (package, message, field names, numbers, types, labels,
// enum values, RPC signatures) from the upstream schema descriptor in @temporalio/proto (a
// devDependency). Nothing but those facts is taken: no comments, no options, no file layout.
//
// Usage: node scripts/transcribe-upstream.js   (then review the diff; the files are ours to edit)
//
// The set of RPCs below is what the SDK and the dev server use; every message and enum they reach is
// written, grouped one file per package.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const SELECTED_RPCS = {
  'temporal.api.workflowservice.v1.WorkflowService': [
    'RegisterNamespace',
    'DescribeNamespace',
    'ListNamespaces',
    'UpdateNamespace',
    'StartWorkflowExecution',
    'ExecuteMultiOperation',
    'GetWorkflowExecutionHistory',
    'GetWorkflowExecutionHistoryReverse',
    'PollWorkflowTaskQueue',
    'RespondWorkflowTaskCompleted',
    'RespondWorkflowTaskFailed',
    'PollActivityTaskQueue',
    'RecordActivityTaskHeartbeat',
    'RecordActivityTaskHeartbeatById',
    'RespondActivityTaskCompleted',
    'RespondActivityTaskCompletedById',
    'RespondActivityTaskFailed',
    'RespondActivityTaskFailedById',
    'RespondActivityTaskCanceled',
    'RespondActivityTaskCanceledById',
    'RequestCancelWorkflowExecution',
    'SignalWorkflowExecution',
    'SignalWithStartWorkflowExecution',
    'TerminateWorkflowExecution',
    'DeleteWorkflowExecution',
    'ListWorkflowExecutions',
    'ScanWorkflowExecutions',
    'CountWorkflowExecutions',
    'GetSearchAttributes',
    'RespondQueryTaskCompleted',
    'ResetStickyTaskQueue',
    'ShutdownWorker',
    'QueryWorkflow',
    'DescribeWorkflowExecution',
    'DescribeTaskQueue',
    'GetClusterInfo',
    'GetSystemInfo',
    'CreateSchedule',
    'DescribeSchedule',
    'UpdateSchedule',
    'PatchSchedule',
    'ListScheduleMatchingTimes',
    'DeleteSchedule',
    'ListSchedules',
    'UpdateWorkflowExecution',
    'PollWorkflowExecutionUpdate',
    'PollNexusTaskQueue',
    'RespondNexusTaskCompleted',
    'RespondNexusTaskFailed',
    'RecordWorkerHeartbeat',
    'ListTaskQueuePartitions',
    'ResetWorkflowExecution',
    'ListOpenWorkflowExecutions',
    'ListClosedWorkflowExecutions',
    'CountSchedules',
    'StartBatchOperation',
    'StopBatchOperation',
    'DescribeBatchOperation',
    'ListBatchOperations',
    'PauseActivity',
    'UnpauseActivity',
    'ResetActivity',
    'UpdateActivityOptions',
    'UpdateWorkflowExecutionOptions',
    'StartActivityExecution',
    'DescribeActivityExecution',
    'PollActivityExecution',
    'ListActivityExecutions',
    'CountActivityExecutions',
    'RequestCancelActivityExecution',
    'TerminateActivityExecution',
    'DeleteActivityExecution',
    'DescribeWorkerDeployment',
    'ListWorkerDeployments',
    'SetWorkerDeploymentCurrentVersion',
    'SetWorkerDeploymentRampingVersion',
    'DescribeWorkerDeploymentVersion',
    'DeleteWorkerDeployment',
    'DeleteWorkerDeploymentVersion',
    'UpdateWorkerDeploymentVersionMetadata',
  ],
  'temporal.api.operatorservice.v1.OperatorService': [
    'DeleteNamespace',
    'ListClusters',
    'AddSearchAttributes',
    'RemoveSearchAttributes',
    'ListSearchAttributes',
    'GetNexusEndpoint',
    'CreateNexusEndpoint',
    'UpdateNexusEndpoint',
    'DeleteNexusEndpoint',
    'ListNexusEndpoints',
  ],
  'temporal.api.testservice.v1.TestService': [
    'LockTimeSkipping',
    'UnlockTimeSkipping',
    'Sleep',
    'SleepUntil',
    'UnlockTimeSkippingWithSleep',
    'GetCurrentTime',
  ],
  'grpc.health.v1.Health': ['Check', 'Watch'],
};

// Types that are not reached from the RPCs but that SDK code reads or writes directly.
const EXTRA_TYPES = [
  'temporal.api.errordetails.v1.NotFoundFailure',
  'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
  'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
  'temporal.api.errordetails.v1.NamespaceNotActiveFailure',
  'temporal.api.errordetails.v1.NamespaceInvalidStateFailure',
  'temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure',
  'temporal.api.errordetails.v1.QueryFailedFailure',
  'temporal.api.errordetails.v1.PermissionDeniedFailure',
  'temporal.api.errordetails.v1.ResourceExhaustedFailure',
  'temporal.api.errordetails.v1.ServerVersionNotSupportedFailure',
  'temporal.api.errordetails.v1.ClientVersionNotSupportedFailure',
  'temporal.api.errordetails.v1.CancellationAlreadyRequestedFailure',
  'temporal.api.errordetails.v1.SystemWorkflowFailure',
  'temporal.api.errordetails.v1.WorkflowNotReadyFailure',
  'temporal.api.errordetails.v1.NewerBuildExistsFailure',
  'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
  'temporal.api.errordetails.v1.NamespaceUnavailableFailure',
  'temporal.api.errordetails.v1.WorkflowTaskCompletionBufferLostFailure',
  'temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure',
  'temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure',
  'temporal.api.failure.v1.MultiOperationExecutionAborted',
  'temporal.api.filter.v1.WorkflowExecutionFilter',
  'temporal.api.filter.v1.WorkflowTypeFilter',
  'temporal.api.filter.v1.StartTimeFilter',
  'temporal.api.filter.v1.StatusFilter',
  'temporal.api.sdk.v1.WorkflowTaskCompletedMetadata',
  'temporal.api.sdk.v1.WorkflowMetadata',
  'temporal.api.sdk.v1.WorkflowDefinition',
  'temporal.api.sdk.v1.UserMetadata',
  'temporal.api.protocol.v1.Message',
  'temporal.api.update.v1.Request',
  'temporal.api.update.v1.Acceptance',
  'temporal.api.update.v1.Rejection',
  'temporal.api.update.v1.Response',
  'temporal.api.history.v1.History',
  'google.rpc.Status',
];

const OUT = path.join(__dirname, '..', 'protos');
const upstream = require('@temporalio/proto/protos/json-module');
upstream.resolveAll();

/** Collect every message and enum reachable from the selected RPCs (full names without leading dot). */
function collect() {
  const wanted = new Map();
  const queue = [];
  const addType = (t) => {
    const name = t.fullName.replace(/^\./, '');
    if (wanted.has(name)) return;
    wanted.set(name, t);
    queue.push(t);
  };
  for (const [svcName, rpcs] of Object.entries(SELECTED_RPCS)) {
    const svc = upstream.lookupService(svcName);
    for (const rpc of rpcs) {
      const m = svc.methods[rpc];
      if (!m) throw new Error(`upstream has no RPC ${svcName}.${rpc}`);
      m.resolve();
      addType(m.resolvedRequestType);
      addType(m.resolvedResponseType);
    }
  }
  for (const extra of EXTRA_TYPES) addType(upstream.lookup(extra));
  while (queue.length) {
    const t = queue.shift();
    // A nested type is written inside its parent, so the parent must be present.
    if (t.parent instanceof protobuf.Type) addType(t.parent);
    if (t instanceof protobuf.Type) {
      for (const f of t.fieldsArray) {
        f.resolve();
        if (f.resolvedType) addType(f.resolvedType);
      }
      for (const nested of t.nestedArray) {
        if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) addType(nested);
      }
    }
  }
  return wanted;
}

function packageOf(t) {
  let p = t.parent;
  while (p instanceof protobuf.Type) p = p.parent;
  return p.fullName.replace(/^\./, '');
}

function fileFor(pkg, t) {
  const dir = pkg.replace(/\./g, '/');
  if (pkg === 'google.protobuf') {
    const byType = {
      Duration: 'duration',
      Timestamp: 'timestamp',
      Empty: 'empty',
      Any: 'any',
      FieldMask: 'field_mask',
      Struct: 'struct',
      Value: 'struct',
      ListValue: 'struct',
      NullValue: 'struct',
    };
    const f = byType[t.name] || (/Value$/.test(t.name) ? 'wrappers' : null);
    if (!f) throw new Error(`no file decided for google.protobuf.${t.name}`);
    return `${dir}/${f}.proto`;
  }
  if (pkg === 'google.rpc') return `${dir}/status.proto`;
  if (pkg === 'grpc.health.v1') return `${dir}/health.proto`;
  if (pkg.startsWith('temporal.api.enums.')) return `${dir}/enums.proto`;
  if (/service\.v1$/.test(pkg)) return `${dir}/request_response.proto`;
  return `${dir}/message.proto`;
}

function typeRef(field, fromPkg) {
  if (!field.resolvedType) return field.type;
  const full = field.resolvedType.fullName.replace(/^\./, '');
  if (packageOf(field.resolvedType) === fromPkg) return full.slice(fromPkg.length + 1);
  return full;
}

function renderEnum(e, indent) {
  const lines = [`${indent}enum ${e.name} {`];
  for (const [name, value] of Object.entries(e.values)) lines.push(`${indent}  ${name} = ${value};`);
  lines.push(`${indent}}`);
  return lines;
}

function renderField(f, pkg, indent) {
  const name = f.options?.proto_name || protoName(f);
  if (f.map) return `${indent}map<${f.keyType}, ${typeRef(f, pkg)}> ${name} = ${f.id};`;
  const label = f.repeated ? 'repeated ' : '';
  return `${indent}${label}${typeRef(f, pkg)} ${name} = ${f.id};`;
}

function protoName(f) {
  // The upstream JSON descriptor keeps the original snake_case name in `protoName` when it differs.
  const json = f.toJSON();
  return json.protoName || f.name;
}

function renderMessage(t, pkg, wanted, indent) {
  const lines = [`${indent}message ${t.name} {`];
  const inner = indent + '  ';
  for (const nested of t.nestedArray) {
    if (!wanted.has(nested.fullName.replace(/^\./, ''))) continue;
    if (nested instanceof protobuf.Type) lines.push(...renderMessage(nested, pkg, wanted, inner));
    else if (nested instanceof protobuf.Enum) lines.push(...renderEnum(nested, inner));
  }
  const oneofFields = new Set();
  const emitted = new Set();
  for (const f of t.fieldsArray) {
    if (emitted.has(f.name)) continue;
    if (f.partOf) {
      const group = f.partOf;
      lines.push(`${inner}oneof ${group.name} {`);
      for (const member of group.fieldsArray) {
        lines.push(renderField(member, pkg, inner + '  '));
        oneofFields.add(member.name);
        emitted.add(member.name);
      }
      lines.push(`${inner}}`);
      continue;
    }
    lines.push(renderField(f, pkg, inner));
    emitted.add(f.name);
  }
  lines.push(`${indent}}`);
  return lines;
}

function renderService(svc, rpcs, pkg) {
  const lines = [`service ${svc.name} {`];
  for (const rpcName of rpcs) {
    const m = svc.methods[rpcName];
    const req = m.resolvedRequestType.fullName.replace(/^\./, '');
    const res = m.resolvedResponseType.fullName.replace(/^\./, '');
    const rel = (n) => (n.startsWith(pkg + '.') ? n.slice(pkg.length + 1) : n);
    const reqS = m.requestStream ? 'stream ' : '';
    const resS = m.responseStream ? 'stream ' : '';
    lines.push(`  rpc ${m.name}(${reqS}${rel(req)}) returns (${resS}${rel(res)});`);
  }
  lines.push('}');
  return lines;
}

function main() {
  const wanted = collect();
  // file -> { pkg, types: [], imports: Set, services: [] }
  const files = new Map();
  const fileOfType = new Map();
  const ensure = (file, pkg) => {
    if (!files.has(file)) files.set(file, { pkg, types: [], imports: new Set(), services: [] });
    return files.get(file);
  };
  for (const [name, t] of wanted) {
    if (t.parent instanceof protobuf.Type) continue; // written inside the parent
    const pkg = packageOf(t);
    const file = fileFor(pkg, t);
    ensure(file, pkg).types.push(t);
    fileOfType.set(name, file);
  }
  const topLevelOf = (t) => {
    while (t.parent instanceof protobuf.Type) t = t.parent;
    return t;
  };
  // Imports: every referenced type's file.
  for (const [name, t] of wanted) {
    if (!(t instanceof protobuf.Type)) continue;
    const myFile = fileOfType.get(topLevelOf(t).fullName.replace(/^\./, ''));
    for (const f of t.fieldsArray) {
      if (!f.resolvedType) continue;
      const target = fileOfType.get(topLevelOf(f.resolvedType).fullName.replace(/^\./, ''));
      if (target && target !== myFile) files.get(myFile).imports.add(target);
    }
    void name;
  }
  for (const [svcName, rpcs] of Object.entries(SELECTED_RPCS)) {
    const svc = upstream.lookupService(svcName);
    const pkg = svc.parent.fullName.replace(/^\./, '');
    const file = pkg === 'grpc.health.v1' ? fileFor(pkg) : `${pkg.replace(/\./g, '/')}/service.proto`;
    const entry = ensure(file, pkg);
    entry.services.push([svc, rpcs]);
    for (const rpc of rpcs) {
      const m = svc.methods[rpc];
      for (const t of [m.resolvedRequestType, m.resolvedResponseType]) {
        const target = fileOfType.get(topLevelOf(t).fullName.replace(/^\./, ''));
        if (target !== file) entry.imports.add(target);
      }
    }
  }
  const written = [];
  for (const [file, entry] of [...files].sort()) {
    const out = ['syntax = "proto3";', '', `package ${entry.pkg};`, ''];
    const imports = [...entry.imports].sort();
    for (const i of imports) out.push(`import "${i}";`);
    if (imports.length) out.push('');
    const sorted = entry.types.slice().sort((a, b) => a.name.localeCompare(b.name));
    for (const t of sorted) {
      if (t instanceof protobuf.Enum) out.push(...renderEnum(t, ''));
      else out.push(...renderMessage(t, entry.pkg, wanted, ''));
      out.push('');
    }
    for (const [svc, rpcs] of entry.services) {
      out.push(...renderService(svc, rpcs, entry.pkg));
      out.push('');
    }
    const target = path.join(OUT, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.join('\n').replace(/\n+$/, '\n'));
    written.push(file);
  }
  console.log(`wrote ${written.length} files, ${wanted.size} types`);
  for (const f of written) console.log('  ' + f);
}

main();
