# Assembles Apache Kafka from the official artifacts on Maven Central (kafka_2.13 and its runtime
# dependencies, fetched with mvn into .cache/kafka/libs), formats a single KRaft node and starts it on
# 127.0.0.1:9092. Idempotent. Exports KAFKA_BROKERS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
KAFKA_LIBS="$CACHE/kafka/libs"
KAFKA_DIR="$RUN/kafka"

# maven_copy POM DIR WHAT: copies the runtime dependencies POM resolves into DIR, once (a marker file says
# the copy completed).
maven_copy() {
  local pom=$1 dir=$2 what=$3
  [[ -f "$dir/.complete" ]] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching $what from Maven Central"
  rm -rf "$dir"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dir" -DincludeScope=runtime
  touch "$dir/.complete"
}

kafka_fetch() { maven_copy "$ROOT/scripts/lib/kafka-pom.xml" "$KAFKA_LIBS" "Apache Kafka"; }

# kafka_tools_fetch: Kafka's own tools (ProducerPerformance, TopicCommand) into .cache/kafka-tools/libs, for
# the benchmarks' ceilings. Exports KAFKA_TOOLS_CP.
KAFKA_TOOLS_LIBS="$CACHE/kafka-tools/libs"
export KAFKA_TOOLS_CP="$KAFKA_TOOLS_LIBS/*"
kafka_tools_fetch() { maven_copy "$ROOT/scripts/lib/kafka-tools-pom.xml" "$KAFKA_TOOLS_LIBS" "Apache Kafka's tools"; }

# Tests and benchmarks make topics with unique prefixes, and the broker keeps them (retention deletes data,
# not topics). Each partition holds a few files open, so past a few thousand partitions the broker runs out
# of open files (it then shuts itself down: "all log dirs have failed"). This broker holds only throwaway
# test and development data, so kafka_up starts it over with empty storage when it holds more than this.
KAFKA_MAX_PARTITIONS=${KAFKA_MAX_PARTITIONS:-3000}

kafka_partition_dirs() {
  [[ -d "$KAFKA_DIR/data" ]] || { echo 0; return; }
  find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d | wc -l
}

# kafka_stop: stops the broker started here, if it runs, and waits for it to exit.
kafka_stop() {
  local pid
  [[ -f "$RUN/kafka.pid" ]] && pid=$(cat "$RUN/kafka.pid") && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}

kafka_up() {
  local partitions; partitions=$(kafka_partition_dirs)
  port_open 127.0.0.1 9092 && ((partitions <= KAFKA_MAX_PARTITIONS)) && return 0
  # Not serving (or about to run out of files): a broker process that is still there goes first.
  kafka_stop
  if ((partitions > KAFKA_MAX_PARTITIONS)); then
    log "Kafka holds $partitions partitions of old test topics: starting it over with empty storage"
    rm -rf "$KAFKA_DIR/data"
  fi
  kafka_fetch
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://127.0.0.1:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=12
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  cat >"$KAFKA_DIR/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    Console: { name: STDOUT, PatternLayout: { pattern: "[%d] %p %m (%c)%n" } }
  Loggers:
    Root: { level: WARN, AppenderRef: [ { ref: STDOUT } ] }
    Logger: [ { name: kafka.server.KafkaServer, level: INFO }, { name: kafka.Kafka, level: INFO } ]
LOG
  local cp="$KAFKA_LIBS/*"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    log "formatting Kafka storage (KRaft)"
    java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
      -c "$KAFKA_DIR/server.properties" >"$RUN/log/kafka-format.log" 2>&1 ||
      die "kafka storage format failed; see $RUN/log/kafka-format.log"
  fi
  log "starting Kafka on 127.0.0.1:9092"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # a partition holds files open: as many as this machine allows
  start_bg kafka java -Xms512m -Xmx1g -XX:+UseG1GC -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.yaml" \
    -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_port 127.0.0.1 9092 kafka 90
}
