import { ERROR_CODES, type ErrorCode, type LatheError } from '../../../shared/errors';
import type { Experiment, Run, RunStatus } from '../../../shared/tracking';

/** Lathe's values in the JSON shapes of MLflow's service.proto, and MLflow's error shape. */

export const MLFLOW_STATUS: Record<RunStatus, string> = { running: 'RUNNING', finished: 'FINISHED', failed: 'FAILED', killed: 'KILLED' };
export const FROM_MLFLOW_STATUS: Record<string, RunStatus> = {
  RUNNING: 'running',
  SCHEDULED: 'running',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'killed',
};

/** Tags MLflow keeps as tags but Lathe keeps as run fields. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const NOTE_TAG = 'mlflow.note.content';

export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: `mlflow-artifacts:/${e.id}`,
    lifecycle_stage: e.lifecycle,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    tags: Object.entries(e.tags).map(([key, value]) => ({ key, value })),
  };
}

export function runInfoJson(r: Run) {
  const info: Record<string, unknown> = {
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: r.experimentId,
    user_id: r.tags['mlflow.user'] ?? r.environment.user ?? '',
    status: MLFLOW_STATUS[r.status],
    start_time: r.startTime,
    artifact_uri: `mlflow-artifacts:/${r.experimentId}/${r.id}/artifacts`,
    lifecycle_stage: r.lifecycle,
  };
  if (r.endTime !== null) info.end_time = r.endTime;
  return info;
}

export function runJson(r: Run) {
  const tags = Object.entries(r.tags).map(([key, value]) => ({ key, value }));
  tags.push({ key: RUN_NAME_TAG, value: r.name });
  if (r.notes) tags.push({ key: NOTE_TAG, value: r.notes });
  return {
    info: runInfoJson(r),
    data: {
      metrics: Object.entries(r.metrics).map(([key, m]) => ({ key, value: m.last, timestamp: m.timestamp, step: m.step })),
      params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
      tags,
    },
    inputs: { dataset_inputs: [] as unknown[] },
  };
}

/** MLflow's error codes for Lathe's, with MLflow's HTTP statuses. */
const MLFLOW_ERRORS: Record<ErrorCode, { code: string; status: number }> = {
  INVALID_INPUT: { code: 'INVALID_PARAMETER_VALUE', status: 400 },
  NOT_FOUND: { code: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { code: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  CONFLICT: { code: 'INVALID_STATE', status: 400 },
  IN_USE: { code: 'INVALID_STATE', status: 400 },
  BAD_FILE: { code: 'BAD_REQUEST', status: 400 },
  SIGNATURE: { code: 'BAD_REQUEST', status: 400 },
  CORRUPT_OBJECT: { code: 'DATA_LOSS', status: 500 },
  UNAUTHORIZED: { code: 'UNAUTHENTICATED', status: 401 },
  FORBIDDEN: { code: 'PERMISSION_DENIED', status: 403 },
  UNSUPPORTED_MEDIA_TYPE: { code: 'BAD_REQUEST', status: 415 },
  DISK_FULL: { code: 'RESOURCE_EXHAUSTED', status: 507 },
  DISK_ERROR: { code: 'TEMPORARILY_UNAVAILABLE', status: 503 },
  INTERNAL: { code: 'INTERNAL_ERROR', status: 500 },
};

export function mlflowError(e: LatheError): { status: number; body: { error_code: string; message: string } } {
  const m = MLFLOW_ERRORS[e.code] ?? { code: 'INTERNAL_ERROR', status: ERROR_CODES[e.code]?.status ?? 500 };
  return { status: m.status, body: { error_code: m.code, message: e.message } };
}
