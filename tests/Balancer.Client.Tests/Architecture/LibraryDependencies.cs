using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Balancer.Client.Tests.Architecture;

/// <summary>
/// What each type of the Balancer.Client assembly refers to, read from its IL with Mono.Cecil: base types, interfaces,
/// attributes, fields, properties, events, signatures, locals, and every type, method and field a method body names.
/// Nested and compiler-generated types (lambdas, iterators, async state machines) count for the type that declares
/// them, so each dependency belongs to a type of the source.
/// </summary>
internal sealed class LibraryDependencies
{
    private LibraryDependencies(string path)
    {
        using var module = ModuleDefinition.ReadModule(path);
        ModuleName = module.Assembly.Name.Name;
        var types = new List<LibraryType>();
        foreach (var type in module.Types.Where(t => t.Name != "<Module>"))
        {
            var collector = new Collector(ModuleName);
            collector.AddType(type);
            types.Add(new LibraryType(type.FullName, type.Namespace, collector.References, collector.Calls));
        }

        Types = types;
    }

    /// <summary>The dependencies of the library the tests run against.</summary>
    public static LibraryDependencies Library { get; } = new(typeof(BalancerOptions).Assembly.Location);

    public string ModuleName { get; }

    /// <summary>The top-level types of the assembly.</summary>
    public IReadOnlyList<LibraryType> Types { get; }

    /// <summary>The top-level type named <paramref name="fullName"/>.</summary>
    public LibraryType Get(string fullName) => Types.Single(t => t.FullName == fullName);

    private sealed class Collector(string moduleName)
    {
        private readonly HashSet<TypeDefinition> _seen = [];

        public HashSet<Reference> References { get; } = [];

        /// <summary>The methods called, as <c>Declaring.Type::Name</c>.</summary>
        public HashSet<string> Calls { get; } = new(StringComparer.Ordinal);

        public void AddType(TypeDefinition type)
        {
            if (!_seen.Add(type))
            {
                return;
            }

            Add(type.BaseType);
            foreach (var implemented in type.Interfaces)
            {
                Add(implemented.InterfaceType);
                AddAttributes(implemented);
            }

            AddAttributes(type);
            AddGenericParameters(type);
            foreach (var field in type.Fields)
            {
                Add(field.FieldType);
                AddAttributes(field);
            }

            foreach (var property in type.Properties)
            {
                Add(property.PropertyType);
                AddAttributes(property);
            }

            foreach (var @event in type.Events)
            {
                Add(@event.EventType);
                AddAttributes(@event);
            }

            foreach (var method in type.Methods)
            {
                AddMethod(method);
            }

            foreach (var nested in type.NestedTypes)
            {
                AddType(nested);
            }
        }

        private void AddMethod(MethodDefinition method)
        {
            AddAttributes(method);
            AddAttributes(method.MethodReturnType);
            AddGenericParameters(method);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
                AddAttributes(parameter);
            }

            foreach (var overridden in method.Overrides)
            {
                AddMember(overridden);
            }

            if (!method.HasBody)
            {
                return;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var handler in method.Body.ExceptionHandlers.Where(h => h.CatchType is not null))
            {
                Add(handler.CatchType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference operand:
                        Add(operand);
                        break;
                    case MethodReference operand:
                        AddMember(operand);
                        break;
                    case FieldReference operand:
                        Add(operand.DeclaringType);
                        Add(operand.FieldType);
                        break;
                    case CallSite site:
                        AddSignature(site);
                        break;
                }
            }
        }

        private void AddMember(MethodReference method)
        {
            Add(method.DeclaringType);
            AddSignature(method);
            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }

            Calls.Add($"{TopLevel(method.DeclaringType.GetElementType()).FullName}::{method.Name}");
        }

        private void AddSignature(IMethodSignature signature)
        {
            Add(signature.ReturnType);
            foreach (var parameter in signature.Parameters)
            {
                Add(parameter.ParameterType);
            }
        }

        private void AddGenericParameters(IGenericParameterProvider provider)
        {
            foreach (var parameter in provider.GenericParameters)
            {
                foreach (var constraint in parameter.Constraints)
                {
                    Add(constraint.ConstraintType);
                }
            }
        }

        private void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)))
                {
                    if (argument.Value is TypeReference type)
                    {
                        Add(type);
                    }
                }
            }
        }

        private void Add(TypeReference? type)
        {
            switch (type)
            {
                case null or GenericParameter:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case FunctionPointerType pointer:
                    AddSignature(pointer);
                    return;
                case RequiredModifierType required:
                    Add(required.ModifierType);
                    Add(required.ElementType);
                    return;
                case OptionalModifierType optional:
                    Add(optional.ModifierType);
                    Add(optional.ElementType);
                    return;
                case TypeSpecification specification:
                    Add(specification.ElementType); // arrays, by-ref, pointers
                    return;
            }

            var top = TopLevel(type);
            var scope = top.Scope is ModuleDefinition or null ? moduleName : top.Scope.Name;
            References.Add(new Reference(top.FullName, top.Namespace, scope));
        }

        private static TypeReference TopLevel(TypeReference type)
        {
            while (type.DeclaringType is not null)
            {
                type = type.DeclaringType;
            }

            return type;
        }
    }
}

/// <summary>One top-level type of the library and what it (with its nested types) refers to.</summary>
internal sealed record LibraryType(string FullName, string Namespace, IReadOnlySet<Reference> References, IReadOnlySet<string> Calls);

/// <summary>A referenced top-level type: its full name, namespace and the assembly it comes from.</summary>
internal readonly record struct Reference(string FullName, string Namespace, string Assembly);
