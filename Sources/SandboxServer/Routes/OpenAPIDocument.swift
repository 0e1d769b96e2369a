/// The OpenAPI 3 document of the `/v1` API, served at `/v1/openapi.json`: the contract the routes
/// keep (checked by `OpenAPIContractTests` and fuzzed with schemathesis against the executable).
enum OpenAPIDocument {
    static let json = #"""
        {
         "components": {
          "schemas": {
           "Command": {
            "properties": {
             "command": {
              "type": "string"
             },
             "ended_at": {
              "type": "string"
             },
             "env_json": {
              "description": "the variables' names, values redacted",
              "type": "string"
             },
             "exit_code": {
              "description": "absent when a signal ended the command",
              "type": "integer"
             },
             "id": {
              "type": "string"
             },
             "metadata": {
              "properties": {
               "truncated": {
                "type": "boolean"
               },
               "user": {
                "type": "string"
               }
              },
              "required": [
               "user"
              ],
              "type": "object"
             },
             "sandbox_id": {
              "type": "string"
             },
             "signal": {
              "type": "integer"
             },
             "started_at": {
              "type": "string"
             },
             "stderr": {
              "type": "string"
             },
             "stdout": {
              "type": "string"
             }
            },
            "required": [
             "id",
             "sandbox_id",
             "command",
             "stdout",
             "stderr",
             "started_at",
             "ended_at",
             "metadata"
            ],
            "type": "object"
           },
           "CommandList": {
            "properties": {
             "commands": {
              "items": {
               "$ref": "#/components/schemas/Command"
              },
              "type": "array"
             },
             "total": {
              "type": "integer"
             }
            },
            "required": [
             "commands",
             "total"
            ],
            "type": "object"
           },
           "CreateSandboxRequest": {
            "additionalProperties": false,
            "example": {
             "agent_id": "agent-1",
             "auto_start": true,
             "source_vm_name": "debian-12-base"
            },
            "properties": {
             "agent_id": {
              "minLength": 1,
              "type": "string"
             },
             "auto_start": {
              "type": "boolean"
             },
             "cpu": {
              "minimum": 0,
              "type": "integer"
             },
             "memory_mb": {
              "minimum": 0,
              "type": "integer"
             },
             "nics": {
              "items": {
               "$ref": "#/components/schemas/NIC"
              },
              "type": "array"
             },
             "reset_machine_id": {
              "type": "boolean"
             },
             "seed_format": {
              "enum": [
               "nocloud",
               "configdrive"
              ],
              "type": "string"
             },
             "source_vm_name": {
              "minLength": 1,
              "type": "string"
             },
             "ttl_seconds": {
              "minimum": 0,
              "type": "integer"
             },
             "tune_emulated_kernel": {
              "type": "boolean"
             },
             "vm_name": {
              "type": "string"
             },
             "wait_for_ip": {
              "type": "boolean"
             }
            },
            "required": [
             "source_vm_name",
             "agent_id"
            ],
            "type": "object"
           },
           "CreateSandboxResponse": {
            "properties": {
             "ip_address": {
              "type": "string"
             },
             "sandbox": {
              "$ref": "#/components/schemas/Sandbox"
             }
            },
            "required": [
             "sandbox"
            ],
            "type": "object"
           },
           "DestroySandboxResponse": {
            "properties": {
             "base_image": {
              "type": "string"
             },
             "id": {
              "type": "string"
             },
             "sandbox_name": {
              "type": "string"
             },
             "state": {
              "$ref": "#/components/schemas/SandboxState"
             },
             "ttl_seconds": {
              "type": "integer"
             }
            },
            "required": [
             "state",
             "base_image",
             "sandbox_name",
             "id"
            ],
            "type": "object"
           },
           "Diagnosis": {
            "description": "why a wait for the guest failed, stage by stage (SandboxCore's Diagnosis)",
            "type": "object"
           },
           "Error": {
            "properties": {
             "code": {
              "description": "the HTTP status",
              "type": "integer"
             },
             "details": {
              "type": "string"
             },
             "diagnosis": {
              "$ref": "#/components/schemas/Diagnosis"
             },
             "error": {
              "description": "the message",
              "type": "string"
             },
             "error_code": {
              "description": "invalid_argument, not_found, name_taken, timeout, agent_unavailable, unauthenticated, forbidden, policy_violation, quota_exceeded, too_many_requests, too_large, internal \u2026",
              "type": "string"
             },
             "request_id": {
              "type": "string"
             }
            },
            "required": [
             "error",
             "code",
             "error_code"
            ],
            "type": "object"
           },
           "FileContent": {
            "properties": {
             "content_base64": {
              "format": "byte",
              "type": "string"
             },
             "path": {
              "type": "string"
             },
             "size": {
              "minimum": 0,
              "type": "integer"
             }
            },
            "required": [
             "path",
             "size",
             "content_base64"
            ],
            "type": "object"
           },
           "FileWritten": {
            "properties": {
             "path": {
              "type": "string"
             },
             "size": {
              "minimum": 0,
              "type": "integer"
             }
            },
            "required": [
             "path",
             "size"
            ],
            "type": "object"
           },
           "GetSandboxResponse": {
            "properties": {
             "commands": {
              "items": {
               "$ref": "#/components/schemas/Command"
              },
              "type": "array"
             },
             "sandbox": {
              "$ref": "#/components/schemas/Sandbox"
             }
            },
            "required": [
             "sandbox"
            ],
            "type": "object"
           },
           "Health": {
            "properties": {
             "libvirt_uri": {
              "type": "string"
             },
             "message": {
              "type": "string"
             },
             "status": {
              "enum": [
               "ok",
               "unavailable"
              ],
              "type": "string"
             }
            },
            "required": [
             "status"
            ],
            "type": "object"
           },
           "IPResponse": {
            "properties": {
             "ip_address": {
              "type": "string"
             },
             "source": {
              "enum": [
               "lease",
               "leases",
               "agent",
               "arp"
              ],
              "type": "string"
             }
            },
            "type": "object"
           },
           "NIC": {
            "additionalProperties": false,
            "properties": {
             "gateway4": {
              "type": "string"
             },
             "gateway6": {
              "type": "string"
             },
             "ipv4": {
              "type": "string"
             },
             "ipv6": {
              "type": "string"
             },
             "mac": {
              "pattern": "^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$",
              "type": "string"
             },
             "nameservers": {
              "items": {
               "type": "string"
              },
              "type": "array"
             },
             "network": {
              "type": "string"
             },
             "reserve_ipv4": {
              "type": "string"
             },
             "search": {
              "items": {
               "type": "string"
              },
              "type": "array"
             }
            },
            "type": "object"
           },
           "Readiness": {
            "properties": {
             "agent": {
              "type": "boolean"
             },
             "cloud_init": {
              "properties": {
               "datasource": {
                "type": "string"
               },
               "errors": {
                "items": {
                 "type": "string"
                },
                "type": "array"
               }
              },
              "required": [
               "errors"
              ],
              "type": "object"
             },
             "ip": {
              "type": "string"
             },
             "stage": {
              "enum": [
               "not-running",
               "booting",
               "agent-up",
               "cloud-init-running",
               "cloud-init-done",
               "cloud-init-error"
              ],
              "type": "string"
             }
            },
            "required": [
             "stage",
             "agent"
            ],
            "type": "object"
           },
           "RunCommandRequest": {
            "additionalProperties": false,
            "properties": {
             "command": {
              "minLength": 1,
              "type": "string"
             },
             "env": {
              "additionalProperties": {
               "type": "string"
              },
              "type": "object"
             },
             "private_key_path": {
              "description": "accepted, not used: commands go through the guest agent",
              "type": "string"
             },
             "timeout_sec": {
              "minimum": 0,
              "type": "integer"
             },
             "transport": {
              "description": "How the command reaches the guest: its QEMU guest agent (default) or SSH to its address, signed in with the server's key and accepted only with the host key the sandbox's seed installed.",
              "enum": [
               "agent",
               "ssh"
              ],
              "type": "string"
             },
             "user": {
              "type": "string"
             }
            },
            "required": [
             "command"
            ],
            "type": "object"
           },
           "RunCommandResponse": {
            "properties": {
             "command": {
              "$ref": "#/components/schemas/Command"
             }
            },
            "required": [
             "command"
            ],
            "type": "object"
           },
           "Sandbox": {
            "properties": {
             "agent_id": {
              "type": "string"
             },
             "base_image": {
              "description": "the base VM it was cloned from",
              "type": "string"
             },
             "created_at": {
              "format": "date-time",
              "type": "string"
             },
             "domain_state": {
              "description": "libvirt's state: running, shut_off \u2026",
              "type": "string"
             },
             "expires_at": {
              "format": "date-time",
              "type": "string"
             },
             "id": {
              "description": "SBX- and the domain's name; every {id} route takes it, the name or the UUID",
              "type": "string"
             },
             "ip_address": {
              "type": "string"
             },
             "job_id": {
              "type": "string"
             },
             "mac": {
              "type": "string"
             },
             "network": {
              "type": "string"
             },
             "readiness": {
              "$ref": "#/components/schemas/Readiness"
             },
             "sandbox_name": {
              "description": "the libvirt domain",
              "type": "string"
             },
             "state": {
              "$ref": "#/components/schemas/SandboxState"
             },
             "tenant": {
              "type": "string"
             },
             "ttl_seconds": {
              "type": "integer"
             },
             "updated_at": {
              "format": "date-time",
              "type": "string"
             },
             "uuid": {
              "type": "string"
             }
            },
            "required": [
             "id",
             "sandbox_name",
             "base_image",
             "job_id",
             "state",
             "created_at",
             "updated_at",
             "uuid",
             "domain_state"
            ],
            "type": "object"
           },
           "SandboxList": {
            "properties": {
             "sandboxes": {
              "items": {
               "$ref": "#/components/schemas/Sandbox"
              },
              "type": "array"
             },
             "total": {
              "type": "integer"
             }
            },
            "required": [
             "sandboxes",
             "total"
            ],
            "type": "object"
           },
           "SandboxState": {
            "enum": [
             "CREATED",
             "STARTING",
             "RUNNING",
             "STOPPED",
             "DESTROYED",
             "ERROR"
            ],
            "type": "string"
           },
           "StartSandboxRequest": {
            "additionalProperties": false,
            "properties": {
             "wait_for_ip": {
              "type": "boolean"
             }
            },
            "type": "object"
           },
           "VMInfo": {
            "properties": {
             "disk_path": {
              "type": "string"
             },
             "name": {
              "type": "string"
             },
             "persistent": {
              "type": "boolean"
             },
             "state": {
              "type": "string"
             },
             "uuid": {
              "type": "string"
             }
            },
            "required": [
             "name",
             "uuid",
             "state",
             "persistent"
            ],
            "type": "object"
           },
           "VMList": {
            "properties": {
             "vms": {
              "items": {
               "$ref": "#/components/schemas/VMInfo"
              },
              "type": "array"
             }
            },
            "required": [
             "vms"
            ],
            "type": "object"
           },
           "WriteFileRequest": {
            "additionalProperties": false,
            "properties": {
             "content_base64": {
              "format": "byte",
              "type": "string"
             },
             "mode": {
              "description": "permission bits (420 = 0644)",
              "maximum": 4095,
              "minimum": 0,
              "type": "integer"
             },
             "path": {
              "description": "absolute path in the guest",
              "maxLength": 4096,
              "type": "string"
             },
             "timeout_sec": {
              "maximum": 3600,
              "minimum": 0,
              "type": "integer"
             }
            },
            "required": [
             "path",
             "content_base64"
            ],
            "type": "object"
           }
          },
          "securitySchemes": {
           "bearerAuth": {
            "description": "a key from SANDBOX_API_KEYS_FILE; none without that file",
            "scheme": "bearer",
            "type": "http"
           }
          }
         },
         "info": {
          "description": "Disposable sandbox VMs on libvirt; the original system's /v1 contract (virsh-sandbox) with SandboxCore's fields added.",
          "title": "sandbox-server",
          "version": "1.0.0"
         },
         "openapi": "3.0.3",
         "paths": {
          "/v1/health": {
           "get": {
            "operationId": "getHealth",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Health"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "security": [],
            "summary": "Health check (no key needed)"
           }
          },
          "/v1/sandboxes": {
           "get": {
            "operationId": "listSandboxes",
            "parameters": [
             {
              "in": "query",
              "name": "agent_id",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "job_id",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "base_image",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "description": "CREATED, RUNNING \u2026",
              "in": "query",
              "name": "state",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "vm_name",
              "required": false,
              "schema": {
               "type": "string"
              }
             },
             {
              "in": "query",
              "name": "limit",
              "required": false,
              "schema": {
               "maximum": 1000,
               "minimum": 0,
               "type": "integer"
              }
             },
             {
              "in": "query",
              "name": "offset",
              "required": false,
              "schema": {
               "maximum": 2147483647,
               "minimum": 0,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/SandboxList"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "List sandboxes"
           },
           "post": {
            "operationId": "createSandbox",
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/CreateSandboxRequest"
               }
              }
             },
             "required": true
            },
            "responses": {
             "201": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/CreateSandboxResponse"
                }
               }
              },
              "description": "Created",
              "links": {
               "DestroySandbox": {
                "operationId": "destroySandbox",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "DiagnoseSandbox": {
                "operationId": "diagnoseSandbox",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "DiscoverSandboxIP": {
                "operationId": "discoverSandboxIP",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "GetSandbox": {
                "operationId": "getSandbox",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "ListSandboxCommands": {
                "operationId": "listSandboxCommands",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "RunSandboxCommand": {
                "operationId": "runSandboxCommand",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               },
               "StartSandbox": {
                "operationId": "startSandbox",
                "parameters": {
                 "id": "$response.body#/sandbox/id"
                }
               }
              }
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Create a sandbox (a linked clone with its own seed and MAC)"
           }
          },
          "/v1/sandboxes/{id}": {
           "delete": {
            "operationId": "destroySandbox",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/DestroySandboxResponse"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Destroy a sandbox, leaving nothing"
           },
           "get": {
            "operationId": "getSandbox",
            "parameters": [
             {
              "in": "query",
              "name": "include_commands",
              "required": false,
              "schema": {
               "type": "boolean"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/GetSandboxResponse"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "A sandbox, with its readiness"
           },
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ]
          },
          "/v1/sandboxes/{id}/commands": {
           "get": {
            "operationId": "listSandboxCommands",
            "parameters": [
             {
              "in": "query",
              "name": "limit",
              "required": false,
              "schema": {
               "maximum": 1000,
               "minimum": 0,
               "type": "integer"
              }
             },
             {
              "in": "query",
              "name": "offset",
              "required": false,
              "schema": {
               "maximum": 2147483647,
               "minimum": 0,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/CommandList"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "The sandbox's command history"
           },
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ]
          },
          "/v1/sandboxes/{id}/diagnose": {
           "get": {
            "operationId": "diagnoseSandbox",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Diagnosis"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Why a sandbox has no address yet"
           },
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ]
          },
          "/v1/sandboxes/{id}/files": {
           "get": {
            "operationId": "readSandboxFile",
            "parameters": [
             {
              "description": "absolute path in the guest",
              "in": "query",
              "name": "path",
              "required": true,
              "schema": {
               "maxLength": 4096,
               "type": "string"
              }
             },
             {
              "description": "seconds to wait for a booting guest's agent (default 60)",
              "in": "query",
              "name": "timeout_sec",
              "required": false,
              "schema": {
               "maximum": 3600,
               "minimum": 0,
               "type": "integer"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/FileContent"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Read a file of the guest (through its agent), base64-encoded"
           },
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ],
           "put": {
            "operationId": "writeSandboxFile",
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/WriteFileRequest"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/FileWritten"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Create or replace a file of the guest (through its agent)"
           }
          },
          "/v1/sandboxes/{id}/ip": {
           "get": {
            "operationId": "discoverSandboxIP",
            "parameters": [
             {
              "description": "default true; false answers at once",
              "in": "query",
              "name": "wait",
              "required": false,
              "schema": {
               "type": "boolean"
              }
             },
             {
              "description": "a Go duration, at most SANDBOX_MAX_IP_WAIT",
              "in": "query",
              "name": "timeout",
              "required": false,
              "schema": {
               "type": "string"
              }
             }
            ],
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/IPResponse"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "The sandbox's address, waited for"
           },
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ]
          },
          "/v1/sandboxes/{id}/run": {
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ],
           "post": {
            "operationId": "runSandboxCommand",
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/RunCommandRequest"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/RunCommandResponse"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Run a command through the guest agent"
           }
          },
          "/v1/sandboxes/{id}/run/stream": {
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ],
           "post": {
            "description": "Events: stdout and stderr with {\"text\": ...} as output comes, then exit with {\"command\": {...}} (the record, as run answers it) or error with the error body. The response starts once the command has; errors before that are JSON.",
            "operationId": "streamSandboxCommand",
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/RunCommandRequest"
               }
              }
             },
             "required": true
            },
            "responses": {
             "200": {
              "content": {
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              },
              "description": "the command's events"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Run a command, its output as server-sent events"
           }
          },
          "/v1/sandboxes/{id}/start": {
           "parameters": [
            {
             "description": "SBX- id, name or UUID",
             "in": "path",
             "name": "id",
             "required": true,
             "schema": {
              "type": "string"
             }
            }
           ],
           "post": {
            "operationId": "startSandbox",
            "requestBody": {
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/StartSandboxRequest"
               }
              }
             },
             "required": false
            },
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/IPResponse"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "Start a sandbox"
           }
          },
          "/v1/vms": {
           "get": {
            "operationId": "listVirtualMachines",
            "responses": {
             "200": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/VMList"
                }
               }
              },
              "description": "OK"
             },
             "default": {
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              },
              "description": "an error"
             }
            },
            "summary": "The base VMs a sandbox may be cloned from"
           }
          }
         },
         "security": [
          {
           "bearerAuth": []
          }
         ],
         "servers": [
          {
           "url": "/"
          }
         ]
        }
        """#
}
