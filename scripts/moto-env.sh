# Sourced: points the trigger and the workers at moto (S3 + SQS on
# loopback) for one run, and makes its bucket.
#   source scripts/moto-env.sh ENDPOINT BUCKET RUN
# RUN prefixes the run's objects and queues, so runs never meet.
export DOCTOWN_S3_ENDPOINT="$1" DOCTOWN_S3_BUCKET="$2" DOCTOWN_S3_PREFIX="$3"
export DOCTOWN_S3_PATH_STYLE=true DOCTOWN_S3_REGION=us-east-1
export DOCTOWN_S3_ACCESS_KEY_ID=testing DOCTOWN_S3_SECRET_ACCESS_KEY=testing
export DOCTOWN_SQS_ENDPOINT="$1" DOCTOWN_SQS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export DOCTOWN_QUEUE_PREFIX="$3" DOCTOWN_ALLOW_LOCAL=true DOCTOWN_LOG=warn
curl -sf -X PUT "$1/$2" >/dev/null || true # the bucket (already there: fine)
