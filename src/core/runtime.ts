import type { Logger as PinoLogger } from 'pino';
import type { ConfiguredKnowledgeService } from '../domain/assembly/service-resolver.js';
import type { EntityName } from '../domain/entities.js';
import type { Repositories } from '../domain/repositories.js';
import type {
  AuthPluginInstance,
  HealthReport,
  PluginInstance,
  RepositoryPluginInstance,
  ServicePluginInstance,
} from '../plugin-api/contract.js';
import type { Diagnostic } from '../config/diagnostics.js';
import type { LoadedConfiguration } from '../config/load.js';
import { toDotted } from '../config/pointer.js';
import type { InstancePlan } from '../config/types.js';
import { ObjectStoreRegistrationStore } from '../storage/object-store-registration-store.js';
import { asPluginLogger } from './logger.js';
import { causeChain, PluginError } from './plugin-errors.js';

export interface RunningInstance {
  readonly plan: InstancePlan;
  readonly instance: PluginInstance;
}

export interface InstanceHealth extends HealthReport {
  readonly id: string;
  readonly plugin: string;
}

/**
 * Creates every planned plugin instance. A factory that throws becomes a diagnostic at the
 * instance's place in the file, like any other configuration problem.
 */
export async function createInstances(
  loaded: LoadedConfiguration,
  logger: PinoLogger,
): Promise<{ instances: RunningInstance[]; diagnostics: Diagnostic[] }> {
  const instances: RunningInstance[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const plan of loaded.instances) {
    const child = logger.child({ plugin: plan.plugin.type, instance: plan.id });
    try {
      const instance = await plan.plugin.definition.create(structuredClone(plan.options), {
        instanceId: plan.id,
        name: plan.name,
        ...(plan.entity ? { entity: plan.entity } : {}),
        fromDefault: plan.fromDefault,
        logger: asPluginLogger(child),
        configDir: loaded.configDir,
      });
      if (instance === null || typeof instance !== 'object') {
        throw new Error('create() returned no instance');
      }
      checkInstanceShape(plan, instance);
      instances.push({ plan, instance });
    } catch (error) {
      diagnostics.push({
        code: 'JULEE_PLUGIN_CREATE_FAILED',
        severity: 'error',
        file: loaded.source.file,
        ...loaded.source.locate([...plan.path, 'type']),
        path: toDotted(plan.path),
        message: loaded.secrets.scrub(
          `${plan.kind} plugin "${plan.plugin.type}" could not create ${plan.id}: ${causeChain(error)}`,
        ),
      });
    }
  }
  return { instances, diagnostics };
}

function checkInstanceShape(plan: InstancePlan, instance: object): void {
  const missing = (what: string) => new Error(`the ${plan.kind} plugin's instance has no ${what}`);
  if (plan.kind === 'repository' && !('repository' in instance)) throw missing('repository');
  if (plan.kind === 'auth' && typeof (instance as AuthPluginInstance).authenticate !== 'function') {
    throw missing('authenticate() method');
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PluginError('JULEE_PLUGIN_TIMEOUT', `${id} did not ${what} within ${ms} ms`, {
            details: { instance: id, phase: what, timeout_ms: ms },
          }),
        ),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Starts instances in order and stops the started ones in reverse order. */
export class PluginRuntime {
  private started: RunningInstance[] = [];

  constructor(
    readonly instances: readonly RunningInstance[],
    private readonly logger: PinoLogger,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Starts each instance with a per-instance timeout. When one fails, times out, or `signal`
   * aborts (a stop requested during startup), the instance being started and the ones already
   * started are stopped again, and the error says which instance and why.
   */
  async start(signal?: AbortSignal): Promise<void> {
    for (const running of this.instances) {
      const { plan, instance } = running;
      if (signal?.aborted) throw this.interrupted(plan.id);
      if (instance.start) {
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const begun = Date.now();
        try {
          const aborted = new Promise<never>((_, reject) => {
            controller.signal.addEventListener('abort', () => reject(this.interrupted(plan.id)), {
              once: true,
            });
          });
          await withTimeout(
            Promise.race([instance.start(controller.signal), aborted]),
            this.timeoutMs,
            'start',
            plan.id,
          );
        } catch (error) {
          controller.abort();
          // A half-started instance may hold resources: stop it too, first.
          this.started.push(running);
          await this.stop();
          if (error instanceof PluginError) throw error;
          throw new PluginError(
            'JULEE_PLUGIN_START_FAILED',
            `${plan.id} (${plan.kind} plugin "${plan.plugin.type}") failed to start: ${causeChain(error)}`,
            { cause: error, details: { instance: plan.id } },
          );
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
        this.logger.debug(
          { instance: plan.id, plugin: plan.plugin.type, ms: Date.now() - begun },
          'plugin instance started',
        );
      }
      this.started.push(running);
    }
  }

  private interrupted(id: string): PluginError {
    return new PluginError(
      'JULEE_PLUGIN_START_INTERRUPTED',
      `startup stopped while starting ${id}`,
      {
        details: { instance: id },
      },
    );
  }

  /** Stops started instances in reverse order; a failing stop is logged and the rest go on. */
  async stop(): Promise<void> {
    const toStop = this.started.reverse();
    this.started = [];
    for (const { plan, instance } of toStop) {
      if (!instance.stop) continue;
      try {
        await withTimeout(instance.stop(), this.timeoutMs, 'stop', plan.id);
      } catch (error) {
        this.logger.error(
          { instance: plan.id, plugin: plan.plugin.type, err: causeChain(error) },
          'plugin instance failed to stop',
        );
      }
    }
  }

  /** Health of every instance; one that has no health check is ok while it runs. */
  async health(timeoutMs = 5000): Promise<InstanceHealth[]> {
    return Promise.all(
      this.instances.map(async ({ plan, instance }) => {
        const base = { id: plan.id, plugin: plan.plugin.type };
        if (!instance.health) return { ...base, status: 'ok' as const };
        try {
          const report = await withTimeout(instance.health(), timeoutMs, 'report health', plan.id);
          return { ...base, ...report };
        } catch (error) {
          return { ...base, status: 'down' as const, detail: causeChain(error) };
        }
      }),
    );
  }

  /** The repositories by entity kind, for the use cases. */
  repositories(): Repositories {
    const out: Partial<Record<EntityName, unknown>> = {};
    for (const { plan, instance } of this.instances) {
      if (plan.kind === 'repository' && plan.entity) {
        out[plan.entity] = (instance as RepositoryPluginInstance).repository;
      }
    }
    return out as Repositories;
  }

  services(): ReadonlyMap<string, ServicePluginInstance> {
    const out = new Map<string, ServicePluginInstance>();
    for (const { plan, instance } of this.instances) {
      if (plan.kind === 'service') out.set(plan.name, instance);
    }
    return out;
  }

  /**
   * Gives every knowledge service a durable store of its file registrations, kept beside the
   * document repository's data when its plugin offers one, so restarts and other workers reuse
   * uploads. Returns whether a durable store was wired.
   */
  wireRegistrationStore(): boolean {
    const documents = this.instances.find(
      (i) => i.plan.kind === 'repository' && i.plan.entity === 'document',
    );
    const instance = documents?.instance as RepositoryPluginInstance | undefined;
    if (instance?.auxiliaryStore === undefined) return false;
    const store = new ObjectStoreRegistrationStore(
      instance.auxiliaryStore('knowledge-registrations'),
    );
    for (const { service } of this.knowledgeServices()) service.useRegistrationStore?.(store);
    return true;
  }

  /** The configured knowledge services, for resolving KnowledgeServiceConfigs to instances. */
  knowledgeServices(): ConfiguredKnowledgeService[] {
    const out: ConfiguredKnowledgeService[] = [];
    for (const { plan, instance } of this.instances) {
      const knowledge = (instance as ServicePluginInstance).knowledge;
      if (plan.kind === 'service' && knowledge) {
        out.push({ name: plan.name, type: plan.plugin.type, service: knowledge });
      }
    }
    return out;
  }

  auth(): AuthPluginInstance | undefined {
    const found = this.instances.find((i) => i.plan.kind === 'auth');
    return found?.instance as AuthPluginInstance | undefined;
  }
}
