/*
 * Swagger UI plugin: Incoplax's custom HTTP method LOOKUP in /docs.
 *
 * OpenAPI 3.0 has no slot for a method outside GET/PUT/POST/DELETE/OPTIONS/HEAD/PATCH/TRACE,
 * so the document describes LOOKUP as the `x-lookup` extension of a path item (an
 * operation object in every other respect). Swagger UI lists only the standard methods;
 * this plugin
 *   - adds every `x-lookup` operation to the list of its tag, after the other operations
 *     of its path, rendered by Swagger UI's own OperationContainer on the document's own
 *     operation object (parameters, request body, responses, Authorize, Try it out),
 *   - shows its method as LOOKUP,
 *   - and `requestInterceptor` (set in the page's config) sends it with the method LOOKUP:
 *     swagger-client builds the request with the method named by the key, "X-LOOKUP".
 * The page's config also lists "x-lookup" in `supportedSubmitMethods` (Try it out).
 */
(function (root) {
  "use strict";

  var KEY = "x-lookup";
  var SENT_AS = "LOOKUP";

  /* The `x-lookup` operations of one tag, as Swagger UI's operation entries. */
  function lookupsOfTag(system, tag) {
    var found = [];
    var paths = system.specSelectors.specJson().get("paths");
    if (!paths || !paths.forEach) {
      return found;
    }
    paths.forEach(function (item, path) {
      var operation = item && item.get ? item.get(KEY) : null;
      if (!operation || !operation.get) {
        return;
      }
      var tags = operation.get("tags");
      if ((tags && tags.size ? tags.first() : "default") === tag) {
        found.push(system.Im.Map({ path: path, method: KEY, operation: operation, id: KEY + "-" + path }));
      }
    });
    return found;
  }

  /* Swagger UI renders only the standard methods of a tag; add the LOOKUP operations, each
     after the last operation of its path, as the same OperationContainer the others use. */
  function withLookups(content, tag, system) {
    var React = system.React;
    var lookups = lookupsOfTag(system, tag);
    if (!lookups.length || !content || !content.props) {
      return content;
    }
    var Container = system.getComponent("OperationContainer", true);
    var rendered = React.Children.toArray(content.props.children);
    lookups.forEach(function (op) {
      var path = op.get("path");
      var element = React.createElement(Container, {
        key: path + "-" + KEY, specPath: system.Im.List(["paths", path, KEY]), op: op, path: path,
        method: KEY, tag: tag
      });
      var at = -1;
      rendered.forEach(function (child, i) {
        if (child && child.props && child.props.path === path) {
          at = i;
        }
      });
      if (at < 0) {
        rendered.push(element);
      } else {
        rendered.splice(at + 1, 0, element);
      }
    });
    return React.cloneElement(content, {}, rendered);
  }

  function ContactsLookupPlugin(system) {
    return {
      wrapComponents: {
        OperationTag: function (Original) {
          return function (props) {
            return system.React.createElement(Original, props, withLookups(props.children, props.tag, system));
          };
        },
        OperationSummaryMethod: function (Original) {
          return function (props) {
            var shown = props.method === KEY ? Object.assign({}, props, { method: SENT_AS.toLowerCase() }) : props;
            return system.React.createElement(Original, shown);
          };
        }
      }
    };
  }

  /* swagger-client names the method by the path item's key: X-LOOKUP. Send it as LOOKUP. */
  ContactsLookupPlugin.requestInterceptor = function (request) {
    if (request && typeof request.method === "string" && request.method.toLowerCase() === KEY) {
      request.method = SENT_AS;
    }
    return request;
  };
  ContactsLookupPlugin.submitMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace", KEY];

  root.ContactsLookupPlugin = ContactsLookupPlugin;
})(window);
