import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as official from '@temporalio/envconfig';
import {
  ClientConfigError,
  clientConfigToToml,
  defaultConfigFilePath,
  loadClientConfig,
  loadClientConfigFromToml,
  loadClientConfigProfile,
  loadClientConnectConfig,
  toClientOptions,
} from '../src';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-envconfig-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
/** Writes a config file and returns its path. */
function configFile(text: string): string {
  const file = path.join(dir, `config-${++fileCounter}.toml`);
  fs.writeFileSync(file, text);
  return file;
}

/** Catches the error `fn` throws. */
function errorOf(fn: () => unknown): ClientConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClientConfigError);
    return err as ClientConfigError;
  }
  throw new Error('expected an error');
}

const SAMPLE = `
# Shared with the Temporal CLI and the other SDKs.
[profile.default]
address = "localhost:7233"
namespace = "default"

[profile.prod]
address = "prod.example.com:7233"
namespace = "prod-ns"
api_key = "prod-key"

[profile.prod.grpc_meta]
My_Header = "value"

[profile.mtls]
address = "mtls.example.com:7233"
namespace = "mtls-ns"
[profile.mtls.tls]
server_name = "mtls.internal"
client_cert_data = "CERT"
client_key_data = "KEY"
server_ca_cert_data = "CA"
[profile.mtls.codec]
endpoint = "http://localhost:8081"
`;

describe('profiles from the file', () => {
  it('loads the default profile from the file named by TEMPORAL_CONFIG_FILE', () => {
    const file = configFile(SAMPLE);
    const config = loadClientConnectConfig({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } });
    expect(config).toEqual({ namespace: 'default', connectionOptions: { address: 'localhost:7233' } });
  });

  it('loads the profile named by TEMPORAL_PROFILE, and an explicit profile over it', () => {
    const file = configFile(SAMPLE);
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };
    expect(loadClientConnectConfig({ overrideEnvVars: env })).toEqual({
      namespace: 'prod-ns',
      connectionOptions: {
        address: 'prod.example.com:7233',
        apiKey: 'prod-key',
        tls: true, // an API key turns TLS on
        metadata: { 'my-header': 'value' },
      },
    });
    expect(loadClientConnectConfig({ overrideEnvVars: env, profile: 'default' }).namespace).toBe('default');
  });

  it('turns mutual TLS settings into the connection TLS option', () => {
    const profile = loadClientConfigProfile({ configSource: { data: SAMPLE }, profile: 'mtls' });
    const { connectionOptions } = toClientOptions(profile);
    expect(connectionOptions.tls).toEqual({
      serverNameOverride: 'mtls.internal',
      serverRootCACertificate: Buffer.from('CA'),
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
    });
  });

  it('reads certificates from the paths the file gives', () => {
    const cert = configFile('CERT FROM FILE');
    const key = configFile('KEY FROM FILE');
    const data = `[profile.default.tls]\nclient_cert_path = ${JSON.stringify(cert)}\nclient_key_path = ${JSON.stringify(key)}\n`;
    const { connectionOptions } = loadClientConnectConfig({ configSource: { data }, disableEnv: true });
    expect(connectionOptions.tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT FROM FILE'), key: Buffer.from('KEY FROM FILE') },
    });
  });

  it('fails for a profile that was asked for but is missing, and not for a missing default profile', () => {
    const file = configFile('[profile.other]\naddress = "x:1"\n');
    const err = errorOf(() =>
      loadClientConfigProfile({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' } }),
    );
    expect(err.message).toBe("Profile 'nope' not found in config data (profiles: other)");
    expect(loadClientConfigProfile({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } })).toEqual({});
  });

  it('finds the default file under XDG_CONFIG_HOME or ~/.config and tolerates its absence', () => {
    if (os.platform() === 'win32' || os.platform() === 'darwin') return;
    const xdg = path.join(dir, 'xdg');
    fs.mkdirSync(path.join(xdg, 'temporalio'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'temporalio', 'temporal.toml'), '[profile.default]\nnamespace = "from-xdg"\n');
    expect(defaultConfigFilePath({ XDG_CONFIG_HOME: xdg })).toBe(path.join(xdg, 'temporalio', 'temporal.toml'));
    expect(loadClientConfigProfile({ overrideEnvVars: { XDG_CONFIG_HOME: xdg } })).toEqual({ namespace: 'from-xdg' });
    expect(defaultConfigFilePath({ HOME: '/home/me' })).toBe('/home/me/.config/temporalio/temporal.toml');
    expect(loadClientConfigProfile({ overrideEnvVars: { HOME: path.join(dir, 'no-such-home') } })).toEqual({});
  });

  it('fails when the file named by TEMPORAL_CONFIG_FILE does not exist', () => {
    const missing = path.join(dir, 'missing.toml');
    const err = errorOf(() => loadClientConfig({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: missing } }));
    expect(err.message).toBe(`${missing}: the file does not exist`);
  });

  it('loads every profile, and writes TOML that loads back the same', () => {
    const config = loadClientConfig({ configSource: { data: SAMPLE } });
    expect(Object.keys(config.profiles)).toEqual(['default', 'prod', 'mtls']);
    const again = loadClientConfigFromToml(clientConfigToToml(config), { strict: true });
    expect(again).toEqual(config);
  });
});

describe('environment variables', () => {
  it('override the file: address, namespace, API key, TLS and gRPC metadata', () => {
    const file = configFile(SAMPLE);
    const config = loadClientConnectConfig({
      profile: 'prod',
      overrideEnvVars: {
        TEMPORAL_CONFIG_FILE: file,
        TEMPORAL_ADDRESS: 'env.example.com:7233',
        TEMPORAL_NAMESPACE: 'env-ns',
        TEMPORAL_API_KEY: 'env-key',
        TEMPORAL_TLS_SERVER_NAME: 'env.internal',
        TEMPORAL_GRPC_META_MY_HEADER: '', // an empty value removes the header
        TEMPORAL_GRPC_META_SOME_OTHER_HEADER: 'other',
      },
    });
    expect(config).toEqual({
      namespace: 'env-ns',
      connectionOptions: {
        address: 'env.example.com:7233',
        apiKey: 'env-key',
        tls: { serverNameOverride: 'env.internal' },
        metadata: { 'some-other-header': 'other' },
      },
    });
  });

  it('configure a client without any file, and TEMPORAL_TLS turns TLS on or off', () => {
    const env = { TEMPORAL_ADDRESS: 'a:1', TEMPORAL_TLS: 'true', HOME: path.join(dir, 'no-such-home') };
    expect(loadClientConnectConfig({ overrideEnvVars: env }).connectionOptions).toEqual({ address: 'a:1', tls: {} });
    const off = { ...env, TEMPORAL_TLS: '0', TEMPORAL_API_KEY: 'k' };
    expect(loadClientConnectConfig({ overrideEnvVars: off }).connectionOptions).toEqual({
      address: 'a:1',
      apiKey: 'k',
      tls: false,
    });
  });

  it('a certificate given as data by a variable replaces the path the file gives', () => {
    const data = '[profile.default.tls]\nserver_ca_cert_path = "/does/not/exist.pem"\n';
    const { connectionOptions } = loadClientConnectConfig({
      configSource: { data },
      overrideEnvVars: { TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA FROM ENV' },
    });
    expect(connectionOptions.tls).toEqual({ serverRootCACertificate: Buffer.from('CA FROM ENV') });
  });

  it('are ignored with disableEnv, and the file with disableFile', () => {
    const env = { TEMPORAL_NAMESPACE: 'env-ns' };
    expect(loadClientConfigProfile({ configSource: { data: SAMPLE }, overrideEnvVars: env, disableEnv: true })).toEqual(
      {
        address: 'localhost:7233',
        namespace: 'default',
      },
    );
    expect(
      loadClientConfigProfile({ configSource: { data: SAMPLE }, overrideEnvVars: env, disableFile: true }),
    ).toEqual({
      namespace: 'env-ns',
    });
    expect(() => loadClientConfigProfile({ disableEnv: true, disableFile: true })).toThrow(
      'Cannot disable both file and environment loading',
    );
  });

  it('asking to skip host verification fails with a not-implemented error', () => {
    const err = errorOf(() =>
      loadClientConnectConfig({
        disableFile: true,
        overrideEnvVars: { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' },
      }),
    );
    expect(err.message).toMatch(/^not implemented: TLS disable_host_verification/);
  });
});

describe('errors in the file name the file, the line and the key', () => {
  it('reports TOML syntax errors with line and column', () => {
    const file = configFile('[profile.default]\naddress = "localhost:7233"\nnamespace = \n');
    const err = errorOf(() => loadClientConfig({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } }));
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}, line 3, column \\d+: invalid TOML: `));
  });

  it('reports a value of the wrong type', () => {
    const file = configFile('[profile.default]\naddress = "x:1"\n\n[profile.default.tls]\nserver_name = 42\n');
    const err = errorOf(() => loadClientConfigProfile({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } }));
    expect(err.message).toBe(`${file}, line 5, key profile.default.tls.server_name: expected a string, got number 42`);
    expect(err.key).toBe('profile.default.tls.server_name');
  });

  it('finds dotted keys and inline tables', () => {
    const dotted = '[profile]\nprod.address = "a:1"\nprod.tls.disabled = "yes"\n';
    expect(errorOf(() => loadClientConfig({ configSource: { data: dotted } })).message).toBe(
      '<data>, line 3, key profile.prod.tls.disabled: expected true or false, got string "yes"',
    );
    const inline = '[profile.prod]\naddress = "a:1"\ngrpc_meta = { authorization = 5 }\n';
    expect(errorOf(() => loadClientConfig({ configSource: { data: inline } })).message).toBe(
      '<data>, line 3, key profile.prod.grpc_meta.authorization: expected a string, got number 5',
    );
  });

  it('rejects unknown keys in strict mode only', () => {
    const file = configFile('[profile.default]\naddress = "x:1"\nadress = "typo:1"\n');
    const err = errorOf(() =>
      loadClientConfigProfile({ configFileStrict: true, overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } }),
    );
    expect(err.message).toBe(
      `${file}, line 3, key profile.default.adress: unknown key (allowed: address, namespace, api_key, tls, codec, grpc_meta)`,
    );
    expect(loadClientConfigProfile({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } })).toEqual({ address: 'x:1' });
  });

  it('rejects a certificate given both as a path and as data', () => {
    const data = '[profile.default.tls]\nclient_cert_path = "/a"\nclient_cert_data = "b"\n';
    expect(errorOf(() => loadClientConfig({ configSource: { data } })).message).toBe(
      '<data>, line 3, key profile.default.tls.client_cert_data: give either client_cert_path or client_cert_data, not both',
    );
  });
});

describe('same results as @temporalio/envconfig', () => {
  const cases: [string, { profile?: string; env: Record<string, string> }][] = [
    ['default profile', { env: {} }],
    ['named profile with API key and metadata', { profile: 'prod', env: {} }],
    ['mutual TLS', { profile: 'mtls', env: {} }],
    [
      'variables over the file',
      { profile: 'prod', env: { TEMPORAL_ADDRESS: 'e:1', TEMPORAL_NAMESPACE: 'n', TEMPORAL_TLS: 'false' } },
    ],
    ['TEMPORAL_PROFILE', { env: { TEMPORAL_PROFILE: 'mtls', TEMPORAL_API_KEY: 'k' } }],
  ];
  it.each(cases)('%s', (_name, { profile, env }) => {
    const file = configFile(SAMPLE);
    const options = { profile, overrideEnvVars: { ...env, TEMPORAL_CONFIG_FILE: file } };
    expect(loadClientConnectConfig(options)).toEqual(official.loadClientConnectConfig(options));
    expect(loadClientConfig(options)).toEqual(official.loadClientConfig(options));
  });
});
