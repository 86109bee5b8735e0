import { selectedServer, selectedServers, TestServerSelectionError } from '../src';

describe('selectedServers', () => {
  test('runs the suite default when KAIROS_TEST_SERVER is unset or empty', () => {
    expect(selectedServers('both', {})).toEqual(['kairos', 'temporal']);
    expect(selectedServers('kairos', { KAIROS_TEST_SERVER: '' })).toEqual(['kairos']);
  });

  test('takes one server, both, or a comma list, Kairos first', () => {
    expect(selectedServers('both', { KAIROS_TEST_SERVER: 'temporal' })).toEqual(['temporal']);
    expect(selectedServers('kairos', { KAIROS_TEST_SERVER: 'both' })).toEqual(['kairos', 'temporal']);
    expect(selectedServers('kairos', { KAIROS_TEST_SERVER: ' Temporal , kairos' })).toEqual(['kairos', 'temporal']);
  });

  test('rejects an unknown server name', () => {
    expect(() => selectedServers('both', { KAIROS_TEST_SERVER: 'temporal-cli' })).toThrow(
      new TestServerSelectionError(
        'KAIROS_TEST_SERVER=temporal-cli names an unknown server "temporal-cli": use kairos, temporal, both or a comma list',
      ),
    );
  });

  test('reports the variables it replaced instead of ignoring them', () => {
    expect(() => selectedServers('both', { KAIROS_TEST_SERVERS: 'kairos' })).toThrow(
      /KAIROS_TEST_SERVERS is no longer read: set KAIROS_TEST_SERVER/,
    );
    expect(() => selectedServer('kairos', { CORE_BRIDGE_TEST_SERVER: 'temporal' })).toThrow(
      /CORE_BRIDGE_TEST_SERVER is no longer read/,
    );
  });
});

describe('selectedServer', () => {
  test('is Kairos unless KAIROS_TEST_SERVER names the real server', () => {
    expect(selectedServer('kairos', {})).toBe('kairos');
    expect(selectedServer('kairos', { KAIROS_TEST_SERVER: 'temporal' })).toBe('temporal');
  });

  test('refuses both servers for a suite that runs on one server per run', () => {
    expect(() => selectedServer('kairos', { KAIROS_TEST_SERVER: 'both' })).toThrow(
      /runs against one server per run; run it once with KAIROS_TEST_SERVER=kairos and once with KAIROS_TEST_SERVER=temporal/,
    );
  });
});
