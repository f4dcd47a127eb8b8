import { describe, expect, it } from 'vitest';
import { urlToOpen } from '../../../src/server/run/url-to-open.js';

describe('the URL npm start prints', () => {
  it('is localhost for a server on every interface, saying so', () => {
    expect(urlToOpen('http://0.0.0.0:8080')).toEqual({ url: 'http://localhost:8080', allInterfaces: true });
    expect(urlToOpen('https://[::]:8443')).toEqual({ url: 'https://localhost:8443', allInterfaces: true });
  });

  it('is localhost for 127.0.0.1, and any other address as it is', () => {
    expect(urlToOpen('http://127.0.0.1:8080')).toEqual({
      url: 'http://localhost:8080',
      allInterfaces: false,
    });
    expect(urlToOpen('http://[::1]:8080')).toEqual({ url: 'http://[::1]:8080', allInterfaces: false });
    expect(urlToOpen('http://192.0.2.7:8080')).toEqual({
      url: 'http://192.0.2.7:8080',
      allInterfaces: false,
    });
  });
});
