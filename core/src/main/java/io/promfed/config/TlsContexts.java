package io.promfed.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the client {@link SSLContext} a {@link TlsConfig} describes, as prometheus/common's
 * {@code NewTLSConfig} builds Go's {@code tls.Config}: {@code ca_file} replaces the system roots,
 * {@code cert_file}/{@code key_file} (PEM, the key in PKCS#8 as OpenSSL 3 writes it) give a client
 * certificate, and {@code insecure_skip_verify} accepts any server certificate and name. Problems
 * (a missing file, no certificate in it, a key in another format) are reported with the file's
 * name.
 */
public final class TlsContexts {

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  private TlsContexts() {}

  /** The context for {@code tls}, or null when it asks for nothing beyond the JDK's defaults. */
  public static SSLContext create(TlsConfig tls) {
    if (tls.equals(TlsConfig.DEFAULT)
        || (tls.caFile().isEmpty() && tls.certFile().isEmpty() && !tls.insecureSkipVerify())) {
      return null;
    }
    try {
      TrustManager[] trust =
          tls.insecureSkipVerify()
              ? new TrustManager[] {new TrustAll()}
              : tls.caFile().isEmpty() ? null : trustManagers(Path.of(tls.caFile()));
      KeyManager[] keys =
          tls.certFile().isEmpty()
              ? null
              : keyManagers(Path.of(tls.certFile()), Path.of(tls.keyFile()));
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("tls_config: " + e.getMessage(), e);
    }
  }

  private static TrustManager[] trustManagers(Path caFile) throws GeneralSecurityException {
    KeyStore ks = emptyKeyStore();
    int i = 0;
    for (Certificate c : certificates(caFile)) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf.getTrustManagers();
  }

  private static KeyManager[] keyManagers(Path certFile, Path keyFile)
      throws GeneralSecurityException {
    List<Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile, chain.get(0).getPublicKey().getAlgorithm());
    KeyStore ks = emptyKeyStore();
    ks.setKeyEntry("client", key, new char[0], chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    return kmf.getKeyManagers();
  }

  private static List<Certificate> certificates(Path file) throws GeneralSecurityException {
    Collection<? extends Certificate> certs =
        CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(read(file)));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate found in " + file);
    }
    return new ArrayList<>(certs);
  }

  private static PrivateKey privateKey(Path file, String algorithm) throws GeneralSecurityException {
    Matcher m = PEM.matcher(new String(read(file), StandardCharsets.US_ASCII));
    while (m.find()) {
      if (m.group(1).equals("PRIVATE KEY")) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      }
      if (m.group(1).endsWith("PRIVATE KEY")) {
        throw new GeneralSecurityException(
            file + " holds a " + m.group(1) + "; convert it to PKCS#8 with"
                + " openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName());
      }
    }
    throw new GeneralSecurityException("no PEM private key found in " + file);
  }

  private static byte[] read(Path file) throws GeneralSecurityException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore emptyKeyStore() throws GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      ks.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    return ks;
  }

  /**
   * {@code insecure_skip_verify}: an extended trust manager that checks nothing, which also turns
   * off JSSE's host name check (done by extended trust managers).
   */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
