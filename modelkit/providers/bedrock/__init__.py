"""AWS Bedrock's Converse API: ``api`` (the provider), ``_config``/``_request``/
``_response`` (converters), ``_credentials`` (AWS credentials and region) and
``_sigv4`` (request signing, standard library only)."""
