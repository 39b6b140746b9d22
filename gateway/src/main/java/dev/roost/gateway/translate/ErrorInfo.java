package dev.roost.gateway.translate;

/** A provider's error, reduced to what every format can say: the HTTP status, a message, and the provider's own code or type. */
record ErrorInfo(int status, String message, String code) {
}
